import { type BodyCheck, classifyCheck, faqMatchCheck, scoreFaqCheck, scoreImageCheck } from './checks.js';
import type { RequestSpec } from './load.js';

/**
 * The routes a speed test can drive, each with the request it sends and the
 * check an answer must pass to count as a success. `score` is the
 * reference's test (its `POST /score` with a question, every FAQ ranked).
 */
export const SPEEDTEST_ROUTES = ['score', 'match', 'classify', 'score-image'] as const;
export type SpeedtestRoute = (typeof SPEEDTEST_ROUTES)[number];

export interface RouteInputs {
  /** Model name; absent: the service's default model for the route. */
  model?: string;
  /** Questions for `score` and `match`, cycled through. */
  questions?: readonly string[];
  /** A JPEG or PNG for `classify` and `score-image`. */
  image?: { bytes: Buffer; contentType: string };
  /** Matches/classes per answer for `match` and `classify`. */
  topK: number;
  /** Sent on every request (e.g. `authorization`). */
  headers: Record<string, string>;
}

export interface RoutePlan {
  /** e.g. `POST /score`. */
  name: string;
  request: (i: number) => RequestSpec;
  /** A fresh check per run (the `score` check learns the FAQ count from the first answer). */
  check: () => BodyCheck;
}

function need<T>(value: T | undefined, what: string, route: SpeedtestRoute): T {
  if (value === undefined) throw new RangeError(`the ${route} route needs ${what}`);
  return value;
}

export function planRoute(route: SpeedtestRoute, inputs: RouteInputs): RoutePlan {
  const json = { ...inputs.headers, 'content-type': 'application/json' };
  const model = inputs.model;
  const scorePath = model ? `/models/${encodeURIComponent(model)}/score` : '/score';
  switch (route) {
    case 'score': {
      const questions = need(inputs.questions?.length ? inputs.questions : undefined, 'questions', route);
      return {
        name: `POST ${scorePath}`,
        request: (i) => ({ method: 'POST', path: scorePath, headers: json, body: JSON.stringify({ input: questions[i % questions.length] }) }),
        check: () => scoreFaqCheck(),
      };
    }
    case 'match': {
      const questions = need(inputs.questions?.length ? inputs.questions : undefined, 'questions', route);
      return {
        name: 'POST /v1/faq/match',
        request: (i) => ({
          method: 'POST',
          path: '/v1/faq/match',
          headers: json,
          body: JSON.stringify({ question: questions[i % questions.length], ...(model ? { model } : {}), topK: inputs.topK }),
        }),
        check: () => faqMatchCheck(inputs.topK),
      };
    }
    case 'classify': {
      const image = need(inputs.image, 'an image (--image)', route);
      const query = new URLSearchParams({ ...(model ? { model } : {}), topK: String(inputs.topK) });
      return {
        name: 'POST /v1/images/classify',
        request: () => ({
          method: 'POST',
          path: `/v1/images/classify?${query}`,
          headers: { ...inputs.headers, 'content-type': image.contentType },
          body: image.bytes,
        }),
        check: () => classifyCheck(inputs.topK),
      };
    }
    case 'score-image': {
      const image = need(inputs.image, 'an image (--image)', route);
      const body = JSON.stringify({ input: { image: image.bytes.toString('base64') } });
      return {
        name: `POST ${scorePath} (image)`,
        request: () => ({ method: 'POST', path: scorePath, headers: json, body }),
        check: () => scoreImageCheck(['image']),
      };
    }
  }
}
