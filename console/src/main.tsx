import { render } from 'preact';
import { stampStyleNonce } from './csp';
import 'uplot/dist/uPlot.min.css';
import '@xterm/xterm/css/xterm.css';
import './style.css';
import { App } from './app';

stampStyleNonce();
render(<App />, document.getElementById('app')!);
