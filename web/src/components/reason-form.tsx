// A status action (suspend, reinstate, terminate, …) with its required reason, confirmed in place.
import { type FormEvent, useId, useState } from 'react';
import { ErrorBox } from './bits.js';

export interface ReasonFormProps {
  label: string;
  reasonLabel: string;
  danger?: boolean;
  onSubmit: (reason: string) => Promise<void>;
}

export function ReasonForm({ label, reasonLabel, danger = false, onSubmit }: ReasonFormProps) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(reason.trim());
      setOpen(false);
      setReason('');
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  if (!open)
    return (
      <button type="button" className={danger ? 'danger' : ''} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  return (
    <form className="reason-form" onSubmit={submit} aria-label={label}>
      <label htmlFor={id}>{reasonLabel}</label>
      <textarea
        id={id}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        required
        rows={2}
        maxLength={2000}
      />
      <div className="row">
        <button
          type="submit"
          className={danger ? 'danger' : 'primary'}
          disabled={busy || reason.trim() === ''}
        >
          Confirm {label.toLowerCase()}
        </button>
        <button type="button" onClick={() => setOpen(false)} disabled={busy}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
