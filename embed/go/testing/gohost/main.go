// A Go host for nsboot's tests: imports nsboot's nsenter package (the runc
// drop-in) and prints, one "key=value" per line, what its main() sees. The
// keys are those of embed/testing/report.h, plus a few about the Go runtime.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"

	"nsboot/nsenter"
)

// Set while the Go runtime initializes packages: after nsboot's hook, so in
// the final process.
var initPid = os.Getpid()

func openFds() string {
	var b strings.Builder
	for fd := 0; fd < 64; fd++ {
		if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); errno == 0 {
			fmt.Fprintf(&b, "%d,", fd)
		}
	}
	return b.String()
}

func main() {
	fds := openFds() // before this program opens anything itself
	hook := 0
	if nsenter.Bootstrapped() {
		hook = 1
	}
	fmt.Printf("hook=%d\n", hook)
	fmt.Printf("pid=%d\n", os.Getpid())
	fmt.Printf("uid=%d\ngid=%d\n", os.Getuid(), os.Getgid())
	for _, ns := range []string{"mnt", "uts", "ipc", "user", "pid", "net", "cgroup", "time"} {
		var st syscall.Stat_t
		if syscall.Stat("/proc/self/ns/"+ns, &st) == nil {
			fmt.Printf("ns.%s=%d\n", ns, st.Ino)
		}
	}
	for _, f := range []string{"uid_map", "gid_map", "setgroups", "oom_score_adj", "timens_offsets"} {
		if data, err := os.ReadFile("/proc/self/" + f); err == nil {
			fmt.Printf("file/%s=%s\n", f, strings.ReplaceAll(string(data), "\n", ";"))
		}
	}
	if w, err := os.OpenFile("/proc/self/exe", os.O_WRONLY, 0); err == nil {
		w.Close()
		fmt.Println("exe_writable=yes")
	} else {
		fmt.Printf("exe_writable=%v\n", err.(*os.PathError).Err)
	}
	exe, _ := os.Readlink("/proc/self/exe")
	fmt.Printf("exe=%s\n", exe)
	fmt.Printf("fds=%s\n", fds)
	// The Go runtime is whole: package init ran here, goroutines and
	// threads work.
	fmt.Printf("go_init_pid=%d\n", initPid)
	done := make(chan int)
	go func() { done <- os.Getpid() }()
	fmt.Printf("goroutine_pid=%d\n", <-done)
	fmt.Printf("sid=%d\n", mustGetsid())
	fmt.Printf("nsboot=%s\n", nsenter.Version())
	fmt.Printf("go=%s\n", runtime.Version())
}

func mustGetsid() int {
	sid, _, errno := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	if errno != 0 {
		return -1
	}
	return int(sid)
}
