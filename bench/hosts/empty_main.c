/*
 * The benchmark host's main(): nothing. Built twice (bench/BUILD.bazel):
 * with nsboot's pre-main hook linked in as a constructor (nsboot_host), and
 * without it (bare_host), so the two differ only by the hook.
 */
int main(void) { return 0; }
