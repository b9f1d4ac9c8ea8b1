import './styles/global.css';
import QuickApp from './components/QuickApp.svelte';
import { boot } from './lib/boot';

// Each time the popup opens it starts a new chat; nothing to remember, not even a draft.
boot(QuickApp, { keepDrafts: false });
