/** The contrast helper the visual browser test judges rendered colours with, against known WCAG values. */
import {
  composite,
  contrastRatio,
  effectiveBackground,
  parseCssColor,
  requiredContrast,
} from '../support/contrast';

const WHITE = parseCssColor('rgb(255, 255, 255)');
const BLACK = parseCssColor('rgb(0, 0, 0)');

describe('contrast helper', () => {
  it('parses the forms getComputedStyle reports', () => {
    expect(parseCssColor('rgb(1, 2, 3)')).toEqual({ r: 1, g: 2, b: 3, a: 1 });
    expect(parseCssColor('rgba(1, 2, 3, 0.5)')).toEqual({ r: 1, g: 2, b: 3, a: 0.5 });
    expect(parseCssColor('rgb(1 2 3 / 50%)')).toEqual({ r: 1, g: 2, b: 3, a: 0.5 });
    expect(parseCssColor('color(srgb 1 0 0.5)')).toEqual({ r: 255, g: 0, b: 127.5, a: 1 });
    expect(parseCssColor('transparent').a).toBe(0);
    expect(() => parseCssColor('canvastext')).toThrow(/Not a computed colour/);
  });

  it('gives the WCAG ratios of known pairs', () => {
    expect(contrastRatio(BLACK, WHITE)).toBeCloseTo(21, 5);
    expect(contrastRatio(WHITE, WHITE)).toBeCloseTo(1, 5);
    // #767676 on white is the classic lightest grey that passes 4.5:1.
    expect(contrastRatio(parseCssColor('rgb(118, 118, 118)'), WHITE)).toBeCloseTo(4.54, 2);
    // Order does not matter.
    expect(contrastRatio(WHITE, parseCssColor('rgb(118, 118, 118)'))).toBeCloseTo(4.54, 2);
  });

  it('composites translucent text and backgrounds the way the page paints them', () => {
    const halfBlack = parseCssColor('rgba(0, 0, 0, 0.5)');
    expect(composite(halfBlack, WHITE)).toEqual({ r: 127.5, g: 127.5, b: 127.5, a: 1 });
    expect(contrastRatio(halfBlack, WHITE)).toBeCloseTo(contrastRatio(composite(halfBlack, WHITE), WHITE), 8);
    // Transparent layers let the ancestor's colour through; the innermost opaque one wins.
    expect(effectiveBackground(['rgba(0, 0, 0, 0)', 'rgb(41, 41, 41)'])).toEqual({
      r: 41,
      g: 41,
      b: 41,
      a: 1,
    });
    expect(effectiveBackground(['rgb(10, 10, 10)', 'rgb(200, 200, 200)']).r).toBe(10);
    expect(effectiveBackground([])).toEqual(WHITE);
  });

  it('asks 3:1 only of large text', () => {
    expect(requiredContrast(14, 400)).toBe(4.5);
    expect(requiredContrast(20, 600)).toBe(4.5);
    expect(requiredContrast(20, 700)).toBe(3);
    expect(requiredContrast(24, 400)).toBe(3);
  });
});
