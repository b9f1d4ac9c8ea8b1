import './styles/global.css';
import ChatApp from './components/ChatApp.svelte';
import { boot } from './lib/boot';
import { hashSelectionMemory } from './lib/selection-memory';

boot(ChatApp, { memory: hashSelectionMemory });
