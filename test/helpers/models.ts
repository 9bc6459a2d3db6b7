/** Small real models for tests, written into a temporary model repository. */
export { makeFaqRepo } from './faq-models.js';
export { makeVisionRepo } from './vision-models.js';
