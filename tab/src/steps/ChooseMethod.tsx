/** Step 1: Exchange Online (Modern, recommended) or Exchange Server on-premises (Basic). */
import { useState } from 'react';
import {
  Badge,
  Button,
  makeStyles,
  mergeClasses,
  Radio,
  RadioGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import { CloudRegular, ServerRegular } from '@fluentui/react-icons';
import type { Method } from '../../../api/src/http/contract';
import { minWidthUpTo, NARROW } from '../components/layout';
import { StepHeading } from '../components/StepHeading';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL },
  options: {
    display: 'grid',
    gridTemplateColumns: `repeat(auto-fit, minmax(${minWidthUpTo(300)}, 1fr))`,
    gap: tokens.spacingHorizontalL,
  },
  option: {
    display: 'flex',
    gap: tokens.spacingHorizontalS,
    padding: tokens.spacingHorizontalL,
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground1,
    boxShadow: tokens.shadow2,
    [NARROW]: { padding: tokens.spacingHorizontalS },
  },
  selected: {
    border: `2px solid ${tokens.colorBrandStroke1}`,
    padding: `calc(${tokens.spacingHorizontalL} - 1px)`,
    [NARROW]: { padding: `calc(${tokens.spacingHorizontalS} - 1px)` },
  },
  label: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    color: tokens.colorNeutralForeground1,
  },
  // The icon stays beside the title; the title and its badge wrap next to it.
  titleRow: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalS },
  titleText: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  icon: { fontSize: '24px', color: tokens.colorBrandForeground1, flexShrink: 0 },
  // Fluent greys an unchecked radio's label; both options must read as equally available.
  title: { color: tokens.colorNeutralForeground1 },
  text: { color: tokens.colorNeutralForeground2 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

export function ChooseMethod({ initial, onNext }: { initial?: Method; onNext: (method: Method) => void }) {
  const styles = useStyles();
  const [method, setMethod] = useState<Method>(initial ?? 'modern');
  return (
    <section className={styles.root} aria-labelledby="choose-heading">
      <StepHeading description="Exchange Connect reads and books room calendars in your Exchange organisation. Choose where your mailboxes are.">
        <span id="choose-heading">Where are your mailboxes?</span>
      </StepHeading>
      <RadioGroup
        aria-labelledby="choose-heading"
        value={method}
        onChange={(_, data) => setMethod(data.value === 'basic' ? 'basic' : 'modern')}
        className={styles.options}
      >
        <div className={mergeClasses(styles.option, method === 'modern' && styles.selected)}>
          <Radio
            value="modern"
            aria-describedby="modern-description"
            label={{
              className: styles.label,
              children: (
                <>
                  <span className={styles.titleRow}>
                    <CloudRegular className={styles.icon} aria-hidden="true" />
                    <span className={styles.titleText}>
                      <Text weight="semibold" size={400} className={styles.title}>
                        Exchange Online (Microsoft 365)
                      </Text>
                      <Badge appearance="tint" color="brand">
                        Recommended
                      </Badge>
                    </span>
                  </span>
                  <Text size={200} weight="semibold" className={styles.title}>
                    Modern Authentication · no password shared
                  </Text>
                  <Text size={300} className={styles.text} id="modern-description">
                    A Global Administrator grants admin consent once and Exchange Connect signs in with its
                    own certificate, so no password is shared. It uses Microsoft Graph with two application
                    permissions (calendars, and room lists), which you can then limit to room mailboxes. The
                    admin needs a mailbox while connecting, because Exchange Connect proves the connection
                    works by opening it.
                  </Text>
                </>
              ),
            }}
          />
        </div>
        <div className={mergeClasses(styles.option, method === 'basic' && styles.selected)}>
          <Radio
            value="basic"
            aria-describedby="basic-description"
            label={{
              className: styles.label,
              children: (
                <>
                  <span className={styles.titleRow}>
                    <ServerRegular className={styles.icon} aria-hidden="true" />
                    <span className={styles.titleText}>
                      <Text weight="semibold" size={400} className={styles.title}>
                        Exchange Server (on-premises)
                      </Text>
                    </span>
                  </span>
                  <Text size={200} weight="semibold" className={styles.title}>
                    Basic Authentication · service account
                  </Text>
                  <Text size={300} className={styles.text} id="basic-description">
                    Exchange Connect signs in to your Exchange Web Services as a service account, whose
                    password is encrypted in your browser and kept in Azure Key Vault. The account needs the
                    ApplicationImpersonation role to open room and user calendars, and the next step gives you
                    the command.
                  </Text>
                </>
              ),
            }}
          />
        </div>
      </RadioGroup>
      <div className={styles.actions}>
        <Button appearance="primary" onClick={() => onNext(method)}>
          Next
        </Button>
      </div>
    </section>
  );
}
