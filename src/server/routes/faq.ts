import type { FastifyInstance } from 'fastify';
import type { TextMatch } from '../../core/capabilities.js';
import { isTextMatcher } from '../../core/capabilities.js';
import { rtsError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { checkQuestion, checkQuestions, parseTopK } from '../params.js';
import { defaultModelName, parseName, withModel } from './common.js';

interface MatchBody {
  question?: string;
  questions?: string[];
  topK?: number | 'all';
  model?: string;
  version?: string | number;
}

/** The body's schema; topK's range comes from the server's `maxTopK`. */
const matchSchema = (maxTopK: number) => ({
  tags: ['faq'],
  summary: 'Rank FAQs by match probability',
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      question: { type: 'string', description: 'One question.' },
      questions: { type: 'array', items: { type: 'string' }, description: 'Several questions, answered in order.' },
      topK: {
        anyOf: [
          { type: 'integer', minimum: 1, maximum: maxTopK },
          { type: 'string', enum: ['all'] },
        ],
        description: 'FAQs to return per question (default: the model\'s, 5); "all" for every FAQ.',
      },
      model: { type: 'string', description: 'Model name (default "faq").' },
      version: { anyOf: [{ type: 'string' }, { type: 'integer' }], description: 'Model version (default: latest).' },
    },
  },
});

/**
 * POST /v1/faq/match — rank the FAQs of a text model for one question
 * (`question`) or several (`questions`).
 */
export function registerFaqRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: MatchBody }>('/v1/faq/match', { schema: matchSchema(ctx.config.maxTopK) }, async (request) => {
    const body = request.body;
    if (body.question !== undefined && body.questions !== undefined) {
      throw rtsError('INVALID_INPUT', 'send either "question" or "questions", not both');
    }
    const single = body.questions === undefined;
    const questions = single ? [body.question] : body.questions!;
    if (single && body.question === undefined) throw rtsError('INVALID_INPUT', 'the body needs a "question" (string) or "questions" (array of strings)');
    const texts = single ? [checkQuestion(body.question, 'question', ctx.config.maxQuestionChars)] : checkQuestions(questions, 'questions', ctx.config);
    const name = parseName(body.model, 'model') ?? defaultModelName(ctx, 'faq');
    const version = parseName(body.version, 'version');
    return withModel(ctx, request, name, version, isTextMatcher, 'an FAQ (text-matcher) model', async (model) => {
      const topK = parseTopK(body.topK, model.defaultTopK, model.faqCount, ctx.config.maxTopK);
      const rankings = await model.match(texts, { topK, signal: request.abortSignal, timings: request.timings });
      const results = rankings.map((matches, i) => ({ question: questions[i]!, matches: matches.map(toMatch) }));
      return single ? { model: model.name, version: model.version, ...results[0]! } : { model: model.name, version: model.version, results };
    });
  });
}

function toMatch(m: TextMatch, i: number) {
  return { rank: i + 1, id: m.id, answerId: m.answerId, question: m.question, answer: m.answer, score: m.score };
}
