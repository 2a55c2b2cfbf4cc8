/** Where the admin is in the three steps (Fluent v9 has no stepper: an ordered list does the job). */
import { makeStyles, mergeClasses, Text, tokens } from '@fluentui/react-components';
import { CheckmarkCircleFilled } from '@fluentui/react-icons';
import { NARROW } from './layout';
import { VISUALLY_HIDDEN } from './visually-hidden';

export type WizardStage = 'choose' | 'connect' | 'verify';

const STAGES: { id: WizardStage; label: string }[] = [
  { id: 'choose', label: 'Choose your Exchange' },
  { id: 'connect', label: 'Connect' },
  { id: 'verify', label: 'Verify' },
];

const useStyles = makeStyles({
  list: {
    display: 'flex',
    gap: tokens.spacingHorizontalL,
    listStyle: 'none',
    margin: 0,
    padding: 0,
    flexWrap: 'wrap',
    [NARROW]: { gap: tokens.spacingHorizontalS },
  },
  item: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorNeutralForeground3,
  },
  current: { color: tokens.colorNeutralForeground1 },
  number: {
    display: 'inline-flex',
    alignItems: 'center',
    justifyContent: 'center',
    width: '24px',
    height: '24px',
    borderRadius: tokens.borderRadiusCircular,
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    fontSize: tokens.fontSizeBase200,
  },
  numberCurrent: {
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
    border: `1px solid ${tokens.colorBrandBackground}`,
  },
  done: { color: tokens.colorPaletteGreenForeground1, fontSize: '24px' },
  // On a phone only the current step is named; the others keep their number (and screen-reader text).
  otherLabel: { [NARROW]: VISUALLY_HIDDEN },
});

export function WizardProgress({ stage }: { stage: WizardStage }) {
  const styles = useStyles();
  const currentIndex = STAGES.findIndex((s) => s.id === stage);
  return (
    <nav aria-label="Connection steps">
      <ol className={styles.list}>
        {STAGES.map((s, index) => {
          const isCurrent = index === currentIndex;
          const isDone = index < currentIndex;
          return (
            <li
              key={s.id}
              className={mergeClasses(styles.item, isCurrent && styles.current)}
              aria-current={isCurrent ? 'step' : undefined}
            >
              {isDone ? (
                <CheckmarkCircleFilled className={styles.done} aria-hidden="true" />
              ) : (
                <span
                  className={mergeClasses(styles.number, isCurrent && styles.numberCurrent)}
                  aria-hidden="true"
                >
                  {index + 1}
                </span>
              )}
              <Text
                size={300}
                weight={isCurrent ? 'semibold' : 'regular'}
                className={isCurrent ? undefined : styles.otherLabel}
              >
                <span style={{ position: 'absolute', left: '-10000px' }}>
                  {`Step ${index + 1} of ${STAGES.length}${isDone ? ', done' : ''}: `}
                </span>
                {s.label}
              </Text>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
