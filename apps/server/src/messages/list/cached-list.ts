import type { MessagePage } from '@westwind/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { acceptsGzip } from '../../cache/accept-encoding.js';
import { gzipped, type RenderedPage } from '../../cache/rendered-pages.js';
import { SingleFlight } from '../../cache/single-flight.js';
import type { SummaryCache } from '../../cache/summary-cache.js';
import type { SummaryPageQuery } from './fetch-page.js';

/**
 * The list route's way through the cache: a page served without the mail server when the cache
 * may (SummaryCache.freshPage), else one request per mailbox and instance asks the server while
 * the others of that mailbox wait for it and then read the cache it refreshed.
 */
export class CachedList {
  private readonly revalidations = new SingleFlight();

  constructor(private readonly cache: SummaryCache) {}

  async page(
    accountKey: string,
    query: SummaryPageQuery,
    reply: FastifyReply,
    fromServer: () => Promise<MessagePage>,
  ): Promise<RenderedPage | MessagePage> {
    if (!this.cache.servesFresh(query)) return fromServer();
    const serialize = (page: MessagePage) => reply.serialize(page) as string;
    const flight = `${accountKey}\n${query.mailboxId}`;
    let fresh = await this.cache.freshPage(accountKey, query, serialize);
    if (fresh !== null) return fresh;
    // Checked and joined (or started) in one synchronous step: when a folder's sighting ends,
    // the first request asks the server and every other one of that folder waits for it.
    const landing = this.revalidations.landing(flight);
    if (!landing) return this.revalidations.run(flight, fromServer);
    await landing;
    fresh = await this.cache.freshPage(accountKey, query, serialize);
    return fresh ?? this.revalidations.run(flight, fromServer);
  }
}

/** Sends a page serialized before (as it is, gzipped when the client accepts it) or a new one. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, page: RenderedPage | MessagePage) {
  reply.header('vary', 'accept-encoding');
  if (!('json' in page)) return reply.send(page);
  // Already serialized by this route's own serializer: a Buffer body is sent as it is.
  reply.type('application/json; charset=utf-8');
  if (!acceptsGzip(request.headers['accept-encoding'])) return reply.send(page.json);
  return reply.header('content-encoding', 'gzip').send(gzipped(page));
}
