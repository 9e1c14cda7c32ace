// API keys: create one (name, scopes, expiry; the secret is shown once,
// with a copy button), list them with their last use, revoke one after
// asking. Over the admin API's /keys (docs/design.md §27.2).
import { useEffect, useState } from 'react';
import { request, type DefSummary } from './api';
import { Icon } from './icons';
import { localTime } from './values';

interface Key { id: string; name: string; prefix: string; scopes: string[]; created_at: string; expires_at?: string | null; last_used_at?: string | null; revoked_at?: string | null }

const EXPIRY: [string, string][] = [['', 'never'], ['1d', '1 day'], ['30d', '30 days'], ['90d', '90 days'], ['365d', '1 year']];

export function KeysPage({ defs, toast }: { defs: DefSummary[]; toast: (m: string, bad?: boolean) => void }) {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [expires, setExpires] = useState('90d');
  const [secret, setSecret] = useState<{ name: string; key: string } | null>(null);
  const [asking, setAsking] = useState<Key | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const load = () => request<{ keys: Key[] }>('GET', '/keys').then((r) => setKeys(r.keys)).catch((e) => setErr(e.message));
  useEffect(() => void load(), []);
  const callable = defs.filter((d) => d.kind === 'endpoint' || d.kind === 'function');
  const toggle = (s: string) => setScopes((l) => (l.includes(s) ? l.filter((x) => x !== s) : [...l, s]));
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const r = await request<Key & { key: string }>('POST', '/keys', { name: name.trim(), scopes, ...(expires ? { expires_in: expires } : {}) });
      setSecret({ name: r.name, key: r.key });
      setName('');
      setScopes([]);
      setErr(null);
      load();
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  const revoke = async (k: Key) => {
    try {
      await request('DELETE', `/keys/${encodeURIComponent(k.id)}`);
      setAsking(null);
      toast(`Revoked ${k.name}`);
      load();
    } catch (e) {
      toast((e as Error).message, true);
    }
  };
  const copy = async (text: string) => {
    try { await navigator.clipboard.writeText(text); toast('Copied the key'); } catch { toast('Select the key and copy it', true); }
  };
  const when = (t?: string | null) => (t ? <span title={t}>{localTime(t).text}</span> : <span className="muted">—</span>);
  const scopeLabel = (s: string) => (s === 'admin' ? 'admin (everything the admin token may do)' : s === 'executions:read' ? 'read the runs it started' : s === 'call:*' ? 'call every function and endpoint' : `call ${s.slice(5)}`);
  return (
    <div className="page keys-page">
      <h1>API keys</h1>
      <p className="muted">Clients send a key as <code>X-Api-Key</code> or <code>Authorization: Bearer</code>. An endpoint accepts keys when its auth includes api_key.</p>
      <form className="panel key-form" onSubmit={create} aria-label="New API key">
        <h2 className="section-title"><Icon name="plus" /> New key</h2>
        <div className="fields">
          <div className="field"><label className="field-label" htmlFor="key-name">name</label>
            <input id="key-name" value={name} maxLength={200} placeholder="billing-service" onChange={(e) => setName(e.target.value)} /></div>
          <div className="field"><label className="field-label" htmlFor="key-expires">expires after</label>
            <select id="key-expires" value={expires} onChange={(e) => setExpires(e.target.value)}>{EXPIRY.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select></div>
        </div>
        <fieldset className="scopes">
          <legend>what it may do</legend>
          {['call:*', ...callable.map((d) => `call:${d.name}`), 'executions:read', 'admin'].map((s) => (
            <label key={s} className="check"><input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} /> {scopeLabel(s)}</label>
          ))}
        </fieldset>
        {err ? <div className="alert err" role="alert">{err}</div> : null}
        <button type="submit" className="btn primary" disabled={!name.trim() || !scopes.length}>Create key</button>
      </form>
      {secret ? (
        <div className="alert ok key-secret" role="status" aria-label="The new key">
          <p>The key <strong>{secret.name}</strong>. It is shown only now: copy it and keep it safe; the server keeps only its hash.</p>
          <div className="row gap"><code className="mono" data-testid="new-key">{secret.key}</code>
            <button type="button" className="btn small" onClick={() => copy(secret.key)}><Icon name="copy" /> Copy</button>
            <button type="button" className="btn small" onClick={() => setSecret(null)}>Done</button></div>
        </div>
      ) : null}
      <table className="keys-table" aria-label="API keys">
        <thead><tr><th>name</th><th>key</th><th>may</th><th>created</th><th>expires</th><th>last used</th><th><span className="sr-only">actions</span></th></tr></thead>
        <tbody>
          {(keys ?? []).map((k) => (
            <tr key={k.id} data-key={k.name} className={k.revoked_at ? 'revoked' : ''}>
              <td>{k.name}</td><td className="mono small">{k.prefix}</td><td className="small">{k.scopes.map(scopeLabel).join('; ')}</td>
              <td>{when(k.created_at)}</td><td>{when(k.expires_at)}</td><td>{when(k.last_used_at)}</td>
              <td>{k.revoked_at ? <span className="badge">revoked</span> : asking?.id === k.id ? (
                <span className="confirm-inline" role="alertdialog" aria-label={`Revoke ${k.name}?`}>
                  Revoke {k.name}? Clients using it get 401 at once.{' '}
                  <button type="button" className="btn small danger" autoFocus onClick={() => revoke(k)}>Revoke</button>{' '}
                  <button type="button" className="btn small" onClick={() => setAsking(null)}>Cancel</button>
                </span>
              ) : <button type="button" className="btn small" onClick={() => setAsking(k)} aria-label={`Revoke ${k.name}`}>Revoke</button>}</td>
            </tr>
          ))}
          {keys && !keys.length ? <tr><td colSpan={7} className="muted">No keys yet.</td></tr> : null}
        </tbody>
      </table>
    </div>
  );
}
