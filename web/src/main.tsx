// Dashboard entry (placeholder until the dashboard lands).
import { createRoot } from 'react-dom/client';

const root = document.getElementById('root');
if (root) createRoot(root).render(<h1>Warden</h1>);
