/* global window, document, getComputedStyle */
/**
 * Evaluated in the tab's frame by the visual browser test: what an admin would see as sloppy,
 * measured from the rendered page. `window.__layoutProbe.measure()` returns plain data; the test
 * judges it (contrast is computed in Node from the colours collected here).
 */
(() => {
  /** A short name for an element in a failure message: tag, test id or class, and its text. */
  function describe(el) {
    const id = el.getAttribute('data-testid');
    const cls =
      typeof el.className === 'string' ? el.className.split(/\s+/).find((c) => c.startsWith('fui-')) : '';
    const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return `${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : cls ? `.${cls}` : ''} "${text}"`;
  }

  /** Backgrounds from the element up to the root, innermost first. */
  function backgroundLayers(el) {
    const layers = [];
    for (let node = el; node; node = node.parentElement) layers.push(getComputedStyle(node).backgroundColor);
    return layers;
  }

  /** On screen for a sighted user: not the 1 px visually-hidden pattern, not parked off-screen. */
  function seen(el, docWidth) {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) return false;
    return rect.right > 0 && rect.left < docWidth;
  }

  /** The nearest ancestor drawn as a box (a border or a shadow): a card, a button, a message. */
  function boxOf(el) {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      const bordered = ['Left', 'Right'].some(
        (side) => parseFloat(style[`border${side}Width`]) > 0 && style[`border${side}Style`] !== 'none',
      );
      if (bordered || style.boxShadow !== 'none') return { node, style };
    }
    return undefined;
  }

  /** Text that runs past the left or right edge of the box it is drawn in. */
  function sticksOut(el) {
    // The element's own text only: a child parked off-screen for screen readers is not drawn.
    const rects = [...el.childNodes]
      .filter((n) => n.nodeType === 3 && n.textContent.trim() !== '')
      .flatMap((n) => {
        const range = document.createRange();
        range.selectNodeContents(n);
        return [...range.getClientRects()];
      });
    const box = boxOf(el);
    if (!box || rects.length === 0) return undefined;
    const text = {
      left: Math.min(...rects.map((r) => r.left)),
      right: Math.max(...rects.map((r) => r.right)),
    };
    if (box.style.overflowX === 'auto' || box.style.overflowX === 'scroll') return undefined;
    const rect = box.node.getBoundingClientRect();
    const left = rect.left + parseFloat(box.style.borderLeftWidth);
    const right = rect.right - parseFloat(box.style.borderRightWidth);
    if (text.left >= left - 0.5 && text.right <= right + 0.5) return undefined;
    return `${describe(el)} runs past ${describe(box.node)} (${Math.round(text.left)}–${Math.round(text.right)} in ${Math.round(left)}–${Math.round(right)})`;
  }

  /** ISO dates (2027-04-01) split over two lines at a hyphen: read as two numbers. */
  function splitDates(el) {
    const split = [];
    for (const node of el.childNodes) {
      if (node.nodeType !== 3) continue;
      for (const match of node.textContent.matchAll(/\d{4}-\d{2}-\d{2}/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(`${describe(el)}: the date ${match[0]} is split over two lines`);
      }
    }
    return split;
  }

  function ownText(el) {
    return [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
  }

  function measure() {
    const root = document.documentElement;
    const docWidth = root.clientWidth;
    const clipped = [];
    const text = [];
    const placeholders = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (!seen(el, docWidth)) continue;
      const style = getComputedStyle(el);
      const hides = (overflow) => overflow === 'hidden' || overflow === 'clip';
      if (hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        clipped.push({ what: describe(el), axis: 'x', scroll: el.scrollWidth, client: el.clientWidth });
      }
      if (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1) {
        clipped.push({ what: describe(el), axis: 'y', scroll: el.scrollHeight, client: el.clientHeight });
      }
      if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth) {
        clipped.push({
          what: describe(el),
          axis: 'ellipsis',
          scroll: el.scrollWidth,
          client: el.clientWidth,
        });
      }
      const hasText = ownText(el);
      const outside = hasText && sticksOut(el);
      if (outside) clipped.push({ what: outside, axis: 'box', scroll: 0, client: 0 });
      if (hasText) {
        for (const what of splitDates(el)) clipped.push({ what, axis: 'box', scroll: 0, client: 0 });
      }
      // Disabled controls are exempt from WCAG 1.4.3.
      if (el.closest('[disabled], [aria-disabled="true"]')) continue;
      if (hasText) {
        text.push({
          what: describe(el),
          color: style.color,
          layers: backgroundLayers(el),
          fontSize: parseFloat(style.fontSize),
          fontWeight: Number(style.fontWeight),
        });
      }
      if ((el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') && el.placeholder && !el.value) {
        const placeholder = getComputedStyle(el, '::placeholder');
        placeholders.push({
          what: `placeholder "${el.placeholder}"`,
          color: placeholder.color,
          valueColor: style.color,
          layers: backgroundLayers(el),
          fontSize: parseFloat(placeholder.fontSize),
          fontWeight: Number(placeholder.fontWeight),
        });
      }
    }
    // A command must wrap or scroll inside its box, never run past it.
    const commands = [...document.querySelectorAll('pre')]
      .filter((pre) => seen(pre, docWidth))
      .map((pre) => {
        const style = getComputedStyle(pre);
        const box = pre.parentElement.getBoundingClientRect();
        const rect = pre.getBoundingClientRect();
        return {
          what: describe(pre),
          fits:
            pre.scrollWidth <= pre.clientWidth + 1 ||
            style.overflowX === 'auto' ||
            style.overflowX === 'scroll',
          insideBox: rect.left >= box.left - 0.5 && rect.right <= box.right + 0.5,
        };
      });
    // The colour each radio's label text is drawn in, per group: an option must not look disabled.
    const radioGroups = [...document.querySelectorAll('[role="radiogroup"]')].map((group) =>
      [...group.querySelectorAll('.fui-Radio__label')].map((label) => {
        const walker = document.createTreeWalker(label, 4 /* NodeFilter.SHOW_TEXT */);
        let node = walker.nextNode();
        while (node && node.textContent.trim() === '') node = walker.nextNode();
        return {
          text: (label.textContent || '').trim().slice(0, 40),
          color: getComputedStyle(node ? node.parentElement : label).color,
        };
      }),
    );
    return {
      radioGroups,
      docWidth,
      scrollWidth: root.scrollWidth,
      bodyScrollWidth: document.body.scrollWidth,
      height: root.scrollHeight,
      clipped,
      text,
      placeholders,
      commands,
    };
  }

  window.__layoutProbe = { measure };
})();
