/**
 * Tests that need a tool the machine may lack (Prometheus, jq): `withoutTool(name, present, install)` says so.
 * - present: false — run the test.
 * - missing: true — skip it, with a line on stderr naming the tool and how to install it (never silently, and never a
 *   failure for something the code under test did not do).
 * - missing while REQUIRE_ALL_TOOLS=1 (set by .ci/run, which installs everything): throws, so the test file fails
 *   naming the tool — CI skips nothing.
 */
export const REQUIRE_ALL_TOOLS = process.env.REQUIRE_ALL_TOOLS === '1';

export function withoutTool(tool: string, present: boolean, install: string): boolean {
  if (present) return false;
  const why = `${tool} is not installed (${install})`;
  if (REQUIRE_ALL_TOOLS) throw new Error(`REQUIRE_ALL_TOOLS=1: ${why}; the tests that need it cannot be skipped here`);
  process.stderr.write(`SKIPPED, missing tool: ${why}\n`);
  return true;
}
