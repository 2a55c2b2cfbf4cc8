/**
 * The Fluent UI v9 theme for each Teams theme. Teams renders in Segoe UI; where it is missing
 * (Linux, macOS without Office) Arial is a closer fallback than the platform's default sans-serif.
 */
import {
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  type Theme,
} from '@fluentui/react-components';
import type { TeamsThemeName } from './teams-session';

/**
 * Teams' high-contrast palette draws placeholders (foreground 4) white, like typed text, so an
 * empty field looks filled in. Windows' high contrast draws them in GrayText, the colour this
 * palette gives disabled text: the same convention here.
 */
function withDistinctPlaceholders(theme: Theme): Theme {
  return { ...theme, colorNeutralForeground4: theme.colorNeutralForegroundDisabled };
}

function withArialFallback(theme: Theme): Theme {
  return { ...theme, fontFamilyBase: theme.fontFamilyBase.replace('"Segoe UI",', '"Segoe UI", Arial,') };
}

const THEMES: Record<TeamsThemeName, Theme> = {
  default: withArialFallback(teamsLightTheme),
  dark: withArialFallback(teamsDarkTheme),
  contrast: withDistinctPlaceholders(withArialFallback(teamsHighContrastTheme)),
};

export function fluentTheme(theme: TeamsThemeName): Theme {
  return THEMES[theme];
}
