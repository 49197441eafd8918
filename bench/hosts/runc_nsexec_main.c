/*
 * runc 1.1.5's nsexec as runc links it: nsexec() runs from an ELF
 * constructor before main() (libcontainer/nsenter/nsenter.go). nsexec.c and
 * cloned_binary.c are compiled from Debian's golang-github-opencontainers-
 * runc-dev source at build time (bench/BUILD.bazel); no runc code is kept in
 * this repository. main() is the final process's: it exits.
 */
extern void nsexec(void);

__attribute__((constructor)) static void init(void) { nsexec(); }

int main(void) { return 0; }
