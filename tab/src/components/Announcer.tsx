/**
 * One polite live region for the whole tab: steps call `announce` when a status changes, so a
 * screen reader hears "Verifying…", "Connected", or what failed, without moving focus.
 */
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { makeStyles } from '@fluentui/react-components';
import { VISUALLY_HIDDEN } from './visually-hidden';

const useStyles = makeStyles({
  visuallyHidden: VISUALLY_HIDDEN,
});

const AnnounceContext = createContext<(message: string) => void>(() => undefined);

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const styles = useStyles();
  const [message, setMessage] = useState('');
  // Clearing first makes a repeated message ("Verifying…" twice) be read again.
  const announce = useCallback((text: string) => {
    setMessage('');
    setTimeout(() => setMessage(text), 50);
  }, []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div
        role="status"
        aria-live="polite"
        aria-atomic="true"
        className={styles.visuallyHidden}
        data-testid="announcer"
      >
        {message}
      </div>
    </AnnounceContext.Provider>
  );
}

export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext);
}
