// Entry of the self-contained browser build (dist/browser/ragged-atlas.js, scripts/build-browser.mjs):
// the library plus the apache-arrow it is built with, so that a page without a bundler (Observable,
// a <script type=module> from a CDN) can use the same Arrow classes its results are made of.
export * from './index.js';
export * as arrow from 'apache-arrow';
