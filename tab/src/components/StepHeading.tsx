/** A step's heading: takes focus when the step appears, so keyboard and screen-reader users land on it. */
import { useEffect, useRef, type ReactNode } from 'react';
import { makeStyles, tokens, Text } from '@fluentui/react-components';

const useStyles = makeStyles({
  heading: {
    margin: 0,
    // Focus lands here programmatically so screen readers start at the step; it is not a control.
    outlineStyle: 'none',
  },
  description: {
    display: 'block',
    marginTop: tokens.spacingVerticalXS,
    color: tokens.colorNeutralForeground2,
  },
});

export function StepHeading({ children, description }: { children: ReactNode; description?: ReactNode }) {
  const styles = useStyles();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div>
      <Text as="h2" size={600} weight="semibold" className={styles.heading} ref={ref} tabIndex={-1}>
        {children}
      </Text>
      {description ? (
        <Text as="p" size={300} className={styles.description}>
          {description}
        </Text>
      ) : null}
    </div>
  );
}
