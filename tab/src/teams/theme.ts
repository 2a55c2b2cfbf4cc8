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

function withArialFallback(theme: Theme): Theme {
  return { ...theme, fontFamilyBase: theme.fontFamilyBase.replace('"Segoe UI",', '"Segoe UI", Arial,') };
}

const THEMES: Record<TeamsThemeName, Theme> = {
  default: withArialFallback(teamsLightTheme),
  dark: withArialFallback(teamsDarkTheme),
  contrast: withArialFallback(teamsHighContrastTheme),
};

export function fluentTheme(theme: TeamsThemeName): Theme {
  return THEMES[theme];
}
