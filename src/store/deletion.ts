/**
 * Which objects a `delete` removes, following Vineyard's `findDeleteSet` (meta_service.cc) rule by rule:
 * - requested objects are visited parents first: before an object, its referrers that were also
 *   requested are visited, so `delete([member, parent])` removes both;
 * - an object goes only when nothing outside the delete set still refers to it, unless `force`, which
 *   then deletes its referrers too (upwards, with `force` and without `deep`);
 * - a deleted object's members follow it when `deep`, and its blob members always do; members are visited
 *   without `force`, so one still referenced elsewhere stays;
 * - ids the caller cannot see are ignored.
 * Unlike Vineyard, the objects that were asked for but kept are reported with the referrers that kept
 * them, and a referrer the caller cannot see (another session's private object) stops even a forced
 * delete rather than being deleted behind its owner's back.
 */

export interface DeleteGraph {
  /** Whether the caller can see (and so delete) this id. */
  known(id: bigint): boolean;
  /** Every object listing `id` as a member, visible or not. */
  referrers(id: bigint): Iterable<bigint>;
  members(id: bigint): Iterable<bigint>;
  isBlob(id: bigint): boolean;
}

export interface DeletePlan {
  /** In the order to remove them: referrers before their members. */
  readonly deleted: readonly bigint[];
  readonly kept: readonly { readonly id: bigint; readonly referencedBy: readonly bigint[] }[];
}

export function planDelete(graph: DeleteGraph, requested: readonly bigint[], force: boolean, deep: boolean): DeletePlan {
  const initial = new Set(requested.filter((id) => graph.known(id)));
  const asked = [...initial];
  const doomed = new Set<bigint>();
  const liveReferrers = (id: bigint): bigint[] => [...graph.referrers(id)].filter((r) => !doomed.has(r));

  const visit = (id: bigint, force: boolean, deep: boolean): void => {
    if (doomed.has(id)) return;
    for (const sup of liveReferrers(id)) {
      if (initial.has(sup)) {
        initial.delete(sup);
        visit(sup, force, deep);
      }
    }
    const live = liveReferrers(id);
    const deletable = force ? live.every((r) => graph.known(r)) : live.length === 0;
    initial.delete(id);
    if (!deletable) return;
    doomed.add(id);
    for (const member of graph.members(id)) {
      if ((deep || graph.isBlob(member)) && graph.known(member)) visit(member, false, true);
    }
    if (force) for (const sup of live) visit(sup, true, false);
  };

  for (const id of asked) if (initial.has(id)) visit(id, force, deep);
  const kept = asked.filter((id) => !doomed.has(id)).map((id) => ({ id, referencedBy: liveReferrers(id) }));
  const ordered: bigint[] = [];
  const placed = new Set<bigint>();
  const place = (id: bigint): void => {
    if (placed.has(id)) return;
    placed.add(id);
    for (const r of graph.referrers(id)) if (doomed.has(r)) place(r);
    ordered.push(id);
  };
  for (const id of doomed) place(id);
  return { deleted: ordered, kept };
}
