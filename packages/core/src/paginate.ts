import { VendorError } from "./errors.js";
import { valueAt } from "./json.js";
import type { OperationResult } from "./operation-client.js";

/**
 * How a list operation pages, from the spec's `x-cdpkit-pagination` (codegen copies it into the
 * operation facts): where the paging parameters go and where the answer carries the items and the
 * way to the next page.
 */
export type Pagination =
  | (PaginationBase & {
      /** A cursor from the previous answer (Altcraft `from_id` / `next_from_id`). */
      readonly style: "cursor";
      readonly cursorParam: string;
      /** Field of the answer with the next cursor; absent, null or "" ends the walk. */
      readonly nextCursor: string;
    })
  | (PaginationBase & {
      /** Item offset: the next page starts after the items received so far. */
      readonly style: "offset";
      readonly offsetParam: string;
    })
  | (PaginationBase & {
      /** Page number. */
      readonly style: "page";
      readonly pageParam: string;
      /** Number of the first page. Default 1. */
      readonly firstPage?: number;
    });

interface PaginationBase {
  /** Where the paging parameters go. */
  readonly in: "query" | "body";
  /** The page-size parameter, if the operation has one. */
  readonly limitParam?: string;
  /** Dot path of the items in the answer (e.g. `data`). */
  readonly items: string;
  /** Dot path of the total item count, when the answer gives one (ends offset/page walks exactly). */
  readonly total?: string;
}

export interface PaginateOptions {
  /** Stop after this many pages, as if the list ended there. Default: walk to the end. */
  readonly maxPages?: number;
}

/** One page as the vendor answered it. */
export interface Page<Item> {
  readonly items: Item[];
  /** The whole parsed answer. */
  readonly data: unknown;
  readonly response: Response;
}

type Init = Record<string, unknown> & { params?: { query?: Record<string, unknown> }; body?: unknown };

function withParams(init: Init, pagination: Pagination, values: Record<string, unknown>): Init {
  if (pagination.in === "query") {
    const params = init.params ?? {};
    return { ...init, params: { ...params, query: { ...params.query, ...values } } };
  }
  const body = init.body;
  return { ...init, body: { ...(body !== null && typeof body === "object" ? body : {}), ...values } };
}

/**
 * Walks a paginated operation: calls it, yields each page, and asks for the next one as the
 * operation's pagination says, until an empty page, a page shorter than the limit, the total, the
 * end of the cursor, or `maxPages`. A cursor that does not move ends with a VendorError instead of looping.
 * `call` is the typed client's call for the operation (it throws or returns `{ error }` on failure:
 * an error answer ends the walk with `toError`).
 */
export async function* paginatePages<Item>(
  call: (init: Init) => Promise<OperationResult>,
  pagination: Pagination,
  init: Init,
  context: { vendor: string; operation: string; toError: (result: OperationResult) => Error },
  options: PaginateOptions = {},
): AsyncGenerator<Page<Item>> {
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  const limit = pagination.limitParam === undefined ? undefined : readParam(init, pagination, pagination.limitParam);
  let request = init;
  let seen = 0;
  let page = pagination.style === "page" ? Number(readParam(init, pagination, pagination.pageParam) ?? pagination.firstPage ?? 1) : 0;
  let offset = pagination.style === "offset" ? Number(readParam(init, pagination, pagination.offsetParam) ?? 0) : 0;
  let cursor: unknown;
  for (let pages = 1; ; pages++) {
    const result = await call(request);
    if (result.error !== undefined || !result.response.ok) throw context.toError(result);
    const raw = valueAt(result.data, pagination.items);
    if (raw !== undefined && raw !== null && !Array.isArray(raw)) {
      throw new VendorError({
        vendor: context.vendor,
        message: `${context.operation}: the answer's \`${pagination.items}\` is not a list of items`,
        vendorCode: "malformed_response",
      });
    }
    const items = (raw ?? []) as Item[];
    yield { items, data: result.data, response: result.response };
    // The caller asked for no more.
    if (pages >= maxPages) return;
    seen += items.length;
    const total = pagination.total === undefined ? undefined : Number(valueAt(result.data, pagination.total));
    if (pagination.style === "cursor") {
      const next = valueAt(result.data, pagination.nextCursor);
      if (next === undefined || next === null || next === "" || items.length === 0) return;
      if (next === cursor) {
        throw new VendorError({
          vendor: context.vendor,
          message: `${context.operation}: the cursor \`${pagination.nextCursor}\` did not move (${String(next)}); stopped instead of asking for the same page again`,
          vendorCode: "pagination_stuck",
        });
      }
      cursor = next;
      request = withParams(request, pagination, { [pagination.cursorParam]: next });
      continue;
    }
    if (items.length === 0) return;
    if (limit !== undefined && items.length < Number(limit)) return;
    if (total !== undefined && Number.isFinite(total) && seen >= total) return;
    if (pagination.style === "offset") {
      offset += items.length;
      request = withParams(request, pagination, { [pagination.offsetParam]: offset });
    } else {
      page += 1;
      request = withParams(request, pagination, { [pagination.pageParam]: page });
    }
  }
}

function readParam(init: Init, pagination: Pagination, name: string): unknown {
  return pagination.in === "query" ? init.params?.query?.[name] : (init.body as Record<string, unknown> | undefined)?.[name];
}

/** The items of every page, one by one. */
export async function* paginateItems<Item>(pages: AsyncIterable<Page<Item>>): AsyncGenerator<Item> {
  for await (const page of pages) yield* page.items;
}

/** `for await (const item of client.paginate(...))` over the items, or `.pages()` over whole pages. */
export interface Paginator<Item> extends AsyncIterable<Item> {
  pages(): AsyncIterable<Page<Item>>;
}
