/**
 * The tab's look for server-rendered pages: the Fluent UI v9 Teams theme tokens the tab uses, as
 * plain CSS values (the server ships without Fluent; a unit test keeps these equal to Fluent's),
 * light by default, dark under prefers-color-scheme, and system colours under forced-colors.
 */

/** Fluent token names → values, per Teams theme. */
export const LIGHT_TOKENS = {
  colorNeutralBackground1: '#ffffff',
  colorNeutralBackground2: '#fafafa',
  colorNeutralBackground3: '#f5f5f5',
  colorNeutralForeground1: '#242424',
  colorNeutralForeground2: '#424242',
  colorNeutralForeground3: '#616161',
  colorBrandForeground1: '#5b5fc7',
  colorBrandForegroundLink: '#4f52b2',
  colorBrandForegroundLinkHover: '#444791',
  colorNeutralStroke2: '#e0e0e0',
  colorStrokeFocus2: '#000000',
  shadow4: '0 0 2px rgba(0,0,0,0.12), 0 2px 4px rgba(0,0,0,0.14)',
} as const;

export type ColourTokens = Record<keyof typeof LIGHT_TOKENS, string>;

export const DARK_TOKENS: ColourTokens = {
  colorNeutralBackground1: '#292929',
  colorNeutralBackground2: '#242424',
  colorNeutralBackground3: '#1f1f1f',
  colorNeutralForeground1: '#ffffff',
  colorNeutralForeground2: '#d6d6d6',
  colorNeutralForeground3: '#adadad',
  colorBrandForeground1: '#7f85f5',
  colorBrandForegroundLink: '#7f85f5',
  colorBrandForegroundLinkHover: '#9299f7',
  colorNeutralStroke2: '#525252',
  colorStrokeFocus2: '#ffffff',
  shadow4: '0 0 2px rgba(0,0,0,0.24), 0 2px 4px rgba(0,0,0,0.28)',
};

/** Forced colours (Windows high contrast): the user's system colours, and borders where shadows were. */
const FORCED: ColourTokens = {
  colorNeutralBackground1: 'Canvas',
  colorNeutralBackground2: 'Canvas',
  colorNeutralBackground3: 'Canvas',
  colorNeutralForeground1: 'CanvasText',
  colorNeutralForeground2: 'CanvasText',
  colorNeutralForeground3: 'CanvasText',
  colorBrandForeground1: 'CanvasText',
  colorBrandForegroundLink: 'LinkText',
  colorBrandForegroundLinkHover: 'LinkText',
  colorNeutralStroke2: 'CanvasText',
  colorStrokeFocus2: 'Highlight',
  shadow4: 'none',
};

/** teamsLightTheme's fontFamilyBase with Arial before the generic fallback, as the tab does. */
export const FONT_FAMILY_BASE =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", Arial, system-ui, "Apple Color Emoji", "Segoe UI Emoji", sans-serif';
export const FONT_FAMILY_MONOSPACE = "Consolas, 'Courier New', Courier, monospace";

const cssVariables = (tokens: ColourTokens) =>
  Object.entries(tokens)
    .map(([name, value]) => `--${name}: ${value};`)
    .join(' ');

export const PAGE_CSS = `
:root { color-scheme: light dark; ${cssVariables(LIGHT_TOKENS)} }
@media (prefers-color-scheme: dark) { :root { ${cssVariables(DARK_TOKENS)} } }
* { box-sizing: border-box; }
html, body { margin: 0; }
body {
  min-height: 100vh; background: var(--colorNeutralBackground2); color: var(--colorNeutralForeground1);
  font-family: ${FONT_FAMILY_BASE}; font-size: 14px; line-height: 20px;
}
header.app {
  display: flex; align-items: center; gap: 8px; padding: 12px 32px;
  background: var(--colorNeutralBackground1); border-bottom: 1px solid var(--colorNeutralStroke2);
  font-size: 16px; line-height: 22px; font-weight: 600;
}
header.app .mark {
  display: inline-grid; place-items: center; width: 24px; height: 24px; border-radius: 4px;
  background: var(--colorBrandForeground1); color: var(--colorNeutralBackground1); font-size: 14px;
}
main { max-width: 960px; margin: 0 auto; padding: 24px 32px 32px; }
.panel {
  padding: 32px; background: var(--colorNeutralBackground1); border-radius: 8px; box-shadow: var(--shadow4);
}
h1 { font-size: 28px; line-height: 36px; font-weight: 600; margin: 0 0 8px; }
h2 { font-size: 20px; line-height: 28px; font-weight: 600; margin: 32px 0 8px; }
h3 { font-size: 16px; line-height: 22px; font-weight: 600; margin: 20px 0 4px; }
p, ul, ol { margin: 8px 0; }
li { margin: 4px 0; }
.lead { color: var(--colorNeutralForeground2); font-size: 16px; line-height: 22px; }
.meta { color: var(--colorNeutralForeground3); font-size: 12px; line-height: 16px; }
a { color: var(--colorBrandForegroundLink); }
a:hover { color: var(--colorBrandForegroundLinkHover); }
a:focus-visible { outline: 2px solid var(--colorStrokeFocus2); outline-offset: 2px; border-radius: 2px; }
code, pre { font-family: ${FONT_FAMILY_MONOSPACE}; font-size: 13px; }
code { background: var(--colorNeutralBackground3); padding: 1px 4px; border-radius: 4px; overflow-wrap: break-word; }
pre {
  background: var(--colorNeutralBackground3); border: 1px solid var(--colorNeutralStroke2); border-radius: 4px;
  padding: 12px 16px; line-height: 20px; white-space: pre-wrap; overflow-wrap: anywhere;
}
pre code { background: none; padding: 0; }
table { width: 100%; border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid var(--colorNeutralStroke2); }
th { font-weight: 600; }
th:first-child { width: 22%; }
/* Narrow screens scroll a table sideways rather than squeeze its columns to a word each. */
.wide { overflow-x: auto; }
.wide table { min-width: 600px; }
@media (max-width: 640px) {
  header.app { padding: 12px 16px; }
  main { padding: 12px; }
  .panel { padding: 20px 16px; }
  footer.links { padding: 0 16px 24px; }
}
th.kept { width: 30%; }
footer.links { max-width: 960px; margin: 0 auto; padding: 0 32px 32px; color: var(--colorNeutralForeground3); }
footer.links a { margin-right: 16px; }
/* Last, so the system colours win over the rules above. */
@media (forced-colors: active) {
  :root { ${cssVariables(FORCED)} }
  .panel { border: 1px solid CanvasText; }
  header.app .mark { background: Canvas; color: CanvasText; border: 1px solid CanvasText; }
}
`;
