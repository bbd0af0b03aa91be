import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@zra/ui/base.css';
import { App } from './app.tsx';
import { createApi, insideElectron, takeToken } from './api.tsx';
import './styles.css';

const token = insideElectron() ? null : takeToken();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App
        api={createApi(token)}
        token={token}
        missingToken={!insideElectron() && token === null}
      />
    </StrictMode>,
  );
}
