/**
 * Project settings kept in the `settings` jsonb (no column each): the API shows them as flat fields.
 * - docsInRepository: mission docs in the product repository unless turned off (default true);
 * - autoApproveAccessRequests: a member's request for viewer or member is granted at once (default false).
 */
type Settings = { docsInRepository?: unknown; autoApproveAccessRequests?: unknown } | null;

export const docsInRepository = (settings: unknown) => (settings as Settings)?.docsInRepository !== false;
export const autoApprovesAccessRequests = (settings: unknown) => (settings as Settings)?.autoApproveAccessRequests === true;

const settingKeys = ['docsInRepository', 'autoApproveAccessRequests'] as const;
type SettingInput = { [K in (typeof settingKeys)[number]]?: boolean };

/** The API's flat fields, with the ones kept in `settings` folded into it (merged with what is there). */
export function toColumns<T extends SettingInput>(input: T, settings: unknown) {
  const columns: Record<string, unknown> = { ...input };
  const changed: Record<string, boolean> = {};
  for (const key of settingKeys) {
    if (input[key] !== undefined) changed[key] = input[key]!;
    delete columns[key];
  }
  const rest = columns as Omit<T, (typeof settingKeys)[number]>;
  return Object.keys(changed).length === 0 ? rest : { ...rest, settings: { ...((settings as object | null) ?? {}), ...changed } };
}
