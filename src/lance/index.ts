export { openTable, LanceTable } from './table.js';
