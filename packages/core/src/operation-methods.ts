/**
 * The typed `paginate` and `sendBatch` a vendor client carries, derived from the generated `paths` and
 * the codegen maps of paginated and batch operations: only those paths are accepted, and items are
 * typed from the spec's schemas.
 */
import type { MaybeOptionalInit } from "openapi-fetch";
import type { BatchReport, BatchRunOptions, ItemSource } from "./batch.js";
import type { PaginateOptions, Paginator } from "./paginate.js";

/** The paginated operations of a spec, as codegen writes them (`PaginatedOperations`): path -> method and items field. */
export type PaginatedIndex<Ops> = { readonly [P in keyof Ops]: { readonly method: string; readonly items: string } };

type JsonAnswer<Op> = Op extends { responses: { 200: { content: { "application/json": infer Body } } } } ? Body : unknown;
type ItemsAt<Body, Key extends string> = Key extends keyof NonNullable<Body>
  ? NonNullable<NonNullable<Body>[Key]> extends readonly (infer Item)[]
    ? Item
    : unknown
  : unknown;
type MethodOf<Paths, Ops extends PaginatedIndex<Ops>, P extends keyof Ops & keyof Paths> = Ops[P]["method"] & keyof Paths[P];

/** The typed `paginate` a vendor client carries: only paginated paths, items typed from the spec. */
export interface PaginateMethod<Paths, Ops extends PaginatedIndex<Ops>> {
  paginate<P extends keyof Ops & keyof Paths & string>(
    method: Uppercase<Ops[P]["method"]>,
    path: P,
    init: MaybeOptionalInit<Paths[P], MethodOf<Paths, Ops, P>>,
    options?: PaginateOptions,
  ): Paginator<ItemsAt<JsonAnswer<Paths[P][MethodOf<Paths, Ops, P>]>, Ops[P]["items"]>>;
}

type JsonBody<Op> = Op extends { requestBody?: { content: { "application/json": infer Body } } } ? Body : never;

/** The batch operations of a spec, as codegen writes them (`BatchOperations`): path -> method and items field. */
export type BatchIndex<Ops> = { readonly [P in keyof Ops]: { readonly method: string; readonly items: string } };

/** The typed `sendBatch` a vendor client carries: items typed from the spec, the other body fields once. */
export interface SendBatchMethod<Paths, Ops extends BatchIndex<Ops>> {
  sendBatch<P extends keyof Ops & keyof Paths & string>(
    method: Uppercase<Ops[P]["method"]>,
    path: P,
    items: ItemSource<ItemsAt<JsonBody<Paths[P][Ops[P]["method"] & keyof Paths[P]]>, Ops[P]["items"]>>,
    common?: Partial<Omit<NonNullable<JsonBody<Paths[P][Ops[P]["method"] & keyof Paths[P]]>>, Ops[P]["items"]>>,
    options?: BatchRunOptions,
  ): Promise<BatchReport<ItemsAt<JsonBody<Paths[P][Ops[P]["method"] & keyof Paths[P]]>, Ops[P]["items"]>>>;
}
