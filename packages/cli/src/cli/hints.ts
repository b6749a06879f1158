/**
 * Library error messages name the library call that fixes them (`registerModel(...)`); on the
 * command line the fix is a command. Each rule rewrites one such hint into the `mlinfra` command
 * that does the same; a test checks that the messages of the common failures name no library call.
 */
const RULES: ReadonlyArray<[RegExp, (...groups: string[]) => string]> = [
  [
    /Dataset "([^"]+)" has no branch or tag "([^"]+)"; commit to it first or list them with branches\(\)\/tags\(\)/,
    (name, label) =>
      `Dataset "${name}" has no branch, tag or version "${label}"; list them with: mlinfra datasets log ${name} (branches and tags: mlinfra datasets show ${name})`,
  ],
  [
    /Dataset "([^"]+)" has no branch "([^"]+)"; commit to it first or create it with branch\(\)/,
    (name, branch) =>
      `Dataset "${name}" has no branch "${branch}"; create it with: mlinfra datasets commit ${name} <file> --branch ${branch}`,
  ],
  [
    /register a first version with registerModel\("([^"]+)", \{ artifact \}\)/,
    (name) =>
      `train and register a first version with: mlinfra train <config.json> (with "register": { "model": "${name}" }), or see: mlinfra models list`,
  ],
  [
    /register one with registerModel\(\)/,
    () =>
      'train and register one with: mlinfra train <config.json> (with "register" in the config)',
  ],
  [/approve it with setApproval\(\) first/, () => 'approve it first (registry.setApproval)'],
  [
    /load your own catalog with loadCatalog\(\)/,
    () => 'see the instance types with: mlinfra cost estimate --help',
  ],
  [
    /use getModel\("([^"]+)"\) or another name/,
    (name) => `see it with: mlinfra models show ${name}`,
  ],
];

/** The message with library-call hints replaced by the `mlinfra` commands that do the same. */
export function withCommandHints(message: string): string {
  let result = message;
  for (const [pattern, replace] of RULES) {
    result = result.replace(pattern, (_match, ...groups: unknown[]) =>
      replace(...groups.filter((group): group is string => typeof group === 'string')),
    );
  }
  return result;
}
