import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import '@xterm/xterm/css/xterm.css';
import './style.css';
import { App } from './app';

render(<App />, document.getElementById('app')!);
