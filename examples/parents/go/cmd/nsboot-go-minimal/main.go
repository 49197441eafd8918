// Command nsboot-go-minimal is the README's example: the least a Go parent
// writes to run a program with nsboot linked in, in new namespaces.
//
//	nsboot-go-minimal PROGRAM [ARGS...]
package main

import (
	"fmt"
	"os"

	"github.com/nsboot/nsboot/examples/parents/go/nsbootparent"
	pb "github.com/nsboot/nsboot/proto/nsboot/v1"
)

func main() {
	req := &pb.BootstrapRequest{CreateNamespaces: []pb.Namespace{
		pb.Namespace_NAMESPACE_PID, pb.Namespace_NAMESPACE_NET}}
	res, err := nsbootparent.RunNative(os.Args[1:], req, nil) // NSBOOT_INITPIPE=3
	if err != nil {
		panic(err) // could not start the program or talk to it
	}
	if res.Err != nil { // structured: stage, step, errno, code, message
		fmt.Println("bootstrap failed:", res.Err)
		os.Exit(1)
	}
	fmt.Printf("stage 2 is pid %d; main() printed:\n%s", res.Stage2Pid, res.Stdout)
}
