/** Disconnecting stops calendar access and health alerts: ask first. */
import { useEffect, useRef, useState } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  MessageBar,
  MessageBarBody,
  Spinner,
} from '@fluentui/react-components';
import type { Method } from '../../../api/src/http/contract';

export function DisconnectDialog({
  method,
  disconnect,
  onDisconnected,
}: {
  method: Method;
  disconnect: () => Promise<void>;
  /** Called once the dialog has closed, so the page behind it can change safely. */
  onDisconnected: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const done = useRef(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  // Focus starts on the safe choice, so Enter never disconnects (Fluent's own pick is the first button).
  useEffect(() => {
    if (open) cancel.current?.focus();
  }, [open]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await disconnect();
      done.current = true;
      setOpen(false);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(_, data) => setOpen(data.open)}
      modalType="alert"
      // Leave the page only once the dialog has finished closing: unmounting it mid-exit leaves
      // the page behind it aria-hidden.
      surfaceMotion={{
        onMotionFinish: (_, data) => {
          if (data.direction === 'exit' && done.current) onDisconnected();
        },
      }}
    >
      <DialogTrigger disableButtonEnhancement>
        <Button>Disconnect</Button>
      </DialogTrigger>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Disconnect Exchange?</DialogTitle>
          <DialogContent>
            Exchange Connect stops reading calendars and stops health alerts for your organisation.
            {method === 'basic'
              ? ' The service account password is deleted from Azure Key Vault.'
              : ' The admin consent stays in Microsoft Entra ID; remove it under Enterprise applications if you no longer need it.'}
            {error ? (
              <MessageBar intent="error" style={{ marginTop: 12 }}>
                <MessageBarBody>{`Exchange Connect could not disconnect: ${error}`}</MessageBarBody>
              </MessageBar>
            ) : null}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={() => void confirm()} disabledFocusable={busy}>
              {busy ? <Spinner size="extra-tiny" aria-label="Disconnecting" /> : 'Disconnect'}
            </Button>
            <DialogTrigger disableButtonEnhancement>
              <Button disabledFocusable={busy} ref={cancel} data-testid="disconnect-cancel">
                Cancel
              </Button>
            </DialogTrigger>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
