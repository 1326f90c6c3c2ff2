import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';

export default async function routes(_app: FastifyInstance, _options: { config: Config }): Promise<void> {}
