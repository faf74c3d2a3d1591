import '@cloudscape-design/global-styles/index.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import { loadConfig } from './config';

const root = createRoot(document.getElementById('root')!);
loadConfig()
  .then(() =>
    root.render(
      <StrictMode>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </StrictMode>,
    ),
  )
  .catch((err: unknown) => {
    root.render(
      <main>
        <h1>The console cannot start</h1>
        <p role="alert">{err instanceof Error ? err.message : String(err)}</p>
      </main>,
    );
  });
