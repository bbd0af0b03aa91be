import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@zra/ui/base.css';
import { App } from './app.tsx';
import './dashboard.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
