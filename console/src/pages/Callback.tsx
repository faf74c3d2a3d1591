import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { userManager } from '../auth';

/** Where the sign-in comes back: exchanges the code (PKCE) for tokens, then returns to where the user was. */
export function Callback() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | undefined>();
  const done = useRef(false);
  useEffect(() => {
    if (done.current) return; // a code is single use: never exchange it twice (StrictMode runs effects twice)
    done.current = true;
    userManager()
      .signinRedirectCallback()
      .then((user) => {
        const state = user.state as { returnTo?: string } | undefined;
        const to = state?.returnTo?.startsWith('/') && !state.returnTo.startsWith('//') ? state.returnTo : '/';
        navigate(to, { replace: true });
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [navigate]);
  return (
    <main style={{ padding: 24 }}>
      <h1>Signing in</h1>
      {error ? (
        <p role="alert">
          Sign-in failed: {error}. <a href="/">Try again</a>
        </p>
      ) : (
        <p aria-live="polite">Completing sign-in…</p>
      )}
    </main>
  );
}
