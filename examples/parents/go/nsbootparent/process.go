package nsbootparent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	pb "github.com/nsboot/nsboot/proto/nsboot/v1"
)

// Error is a failed bootstrap as the parent sees it: from a native Error
// reply (all fields) or from runc's fatal log line (stage, pid, message).
type Error struct {
	Stage   string // "READER", "PARENT", "CHILD", "INIT" (or "?")
	Step    string // native only, e.g. "STEP_OPEN_NAMESPACE"
	Errno   int    // native only
	Code    int    // native only: absl::StatusCode
	Pid     int    // runc only: the stage's pid in its own pid namespace
	Message string
	Native  *pb.Error // the reply itself, native only
}

func (e *Error) Error() string {
	if e.Native != nil {
		return fmt.Sprintf("stage %s, step %s, errno %d, code %d: %s", e.Stage, e.Step, e.Errno, e.Code, e.Message)
	}
	return fmt.Sprintf("stage %s (pid %d): %s", e.Stage, e.Pid, e.Message)
}

// RuncLog is one line of runc's log pipe.
type RuncLog struct {
	Level, Stage, Message string
	Pid                   int
}

// Result is what happened. Err is set when the bootstrap failed.
type Result struct {
	Stage1Pid, Stage2Pid int
	Err                  *Error
	Replies              []*pb.BootstrapReply // native
	Logs                 []RuncLog            // runc
	PidFDs               []int                // native, with options.reply_pidfds
	Stdout, Stderr       string
	ExitStatus           int   // the spawned program (stage 0)
	StageExitStatuses    []int // stages 1 and 2, when reported
}

// OK is true when the bootstrap succeeded and every process exited 0.
func (r *Result) OK() bool {
	if r.Err != nil || r.ExitStatus != 0 {
		return false
	}
	for _, s := range r.StageExitStatuses {
		if s != 0 {
			return false
		}
	}
	return true
}

// Report parses the example host's key=value stdout.
func (r *Result) Report() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(r.Stdout, "\n") {
		if i := strings.IndexByte(line, '='); i > 0 {
			m[line[:i]] = line[i+1:]
		}
	}
	return m
}

type child struct {
	cmd            *exec.Cmd
	sock           int // our end of the init pipe
	stdout, stderr bytes.Buffer
}

// spawn starts argv with the child end of a socketpair at fd 3 and extra
// files from fd 4 on, and an environment of PATH plus env.
func spawn(argv []string, env []string, extra ...*os.File) (*child, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	theirs := os.NewFile(uintptr(fds[1]), "initpipe")
	defer theirs.Close()
	c := &child{sock: fds[0]}
	c.cmd = exec.Command(argv[0], argv[1:]...)
	c.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	c.cmd.ExtraFiles = append([]*os.File{theirs}, extra...)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		unix.Close(c.sock)
		return nil, err
	}
	return c, nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// finish waits for the program and the stages it reported (they are our
// children: CLONE_PARENT).
func (c *child) finish(r *Result) {
	if c.sock >= 0 {
		unix.Close(c.sock)
		c.sock = -1
	}
	_ = c.cmd.Wait()
	r.ExitStatus = c.cmd.ProcessState.ExitCode()
	r.Stdout, r.Stderr = c.stdout.String(), c.stderr.String()
	for _, pid := range []int{r.Stage1Pid, r.Stage2Pid} {
		if pid > 0 {
			var ws unix.WaitStatus
			if _, err := unix.Wait4(pid, &ws, 0, nil); err == nil {
				status := ws.ExitStatus()
				if ws.Signaled() {
					status = 128 + int(ws.Signal())
				}
				r.StageExitStatuses = append(r.StageExitStatuses, status)
			}
		}
	}
}

// ReapStrays reaps any exited child of this process: the stages of a
// bootstrap that failed after creating them (their pids are never
// reported). Only for a parent that owns all of its children.
func ReapStrays() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// ---------------------------------------------------------------------------
// nsboot's native protocol
// ---------------------------------------------------------------------------

// recvExactly reads n bytes, collecting fds passed with them.
func recvExactly(fd, n int, fds *[]int) ([]byte, error) {
	buf := make([]byte, 0, n)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for len(buf) < n {
		chunk := make([]byte, n-len(buf))
		got, oobn, _, _, err := unix.Recvmsg(fd, chunk, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if oobn > 0 {
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err == nil {
				for _, m := range msgs {
					if rights, err := unix.ParseUnixRights(&m); err == nil {
						*fds = append(*fds, rights...)
					}
				}
			}
		}
		if got == 0 {
			if len(buf) == 0 {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		}
		buf = append(buf, chunk[:got]...)
	}
	return buf, nil
}

// ReadReply reads one BootstrapReply frame from the init pipe; pidfds sent
// with it are appended to fds. io.EOF when the child closed the pipe.
func ReadReply(fd int, fds *[]int) (*pb.BootstrapReply, error) {
	header, err := recvExactly(fd, FrameHeaderSize, fds)
	if err != nil {
		return nil, err
	}
	_, length, err := ParseFrameHeader(header)
	if err != nil {
		return nil, err
	}
	payload := []byte{}
	if length > 0 {
		if payload, err = recvExactly(fd, int(length), fds); err != nil {
			return nil, err
		}
	}
	return DecodeReplyFrame(append(header, payload...))
}

// NativeError turns an Error reply into an *Error.
func NativeError(e *pb.Error) *Error {
	return &Error{
		Stage:   strings.TrimPrefix(e.Stage.String(), "STAGE_"),
		Step:    e.Step.String(),
		Errno:   int(e.ErrnoValue),
		Code:    int(e.Code),
		Message: string(e.Message),
		Native:  e,
	}
}

// RunNative plays a native parent: spawns argv with NSBOOT_INITPIPE=3,
// writes the request frame and reads BootstrapReply frames until Pids or
// Error, then waits for the program and reaps the stages.
func RunNative(argv []string, req *pb.BootstrapRequest, env []string) (*Result, error) {
	frame, err := EncodeRequestFrame(req)
	if err != nil {
		return nil, err
	}
	c, err := spawn(argv, append([]string{"NSBOOT_INITPIPE=3"}, env...))
	if err != nil {
		return nil, err
	}
	r := &Result{}
	if err := writeAll(c.sock, frame); err != nil {
		c.finish(r)
		return r, fmt.Errorf("writing the request: %w", err)
	}
	for {
		reply, err := ReadReply(c.sock, &r.PidFDs)
		if err == io.EOF {
			break
		}
		if err != nil {
			c.finish(r)
			return r, fmt.Errorf("reading a reply: %w", err)
		}
		r.Replies = append(r.Replies, reply)
		if p := reply.GetPids(); p != nil {
			r.Stage1Pid, r.Stage2Pid = int(p.Stage1Pid), int(p.Stage2Pid)
			break
		}
		if e := reply.GetError(); e != nil {
			r.Err = NativeError(e)
			break
		}
	}
	c.finish(r)
	if r.Err == nil && r.Stage2Pid == 0 {
		r.Err = &Error{Stage: "?", Message: "EOF on the init pipe before Pids or Error; stderr: " + strings.TrimSpace(r.Stderr)}
	}
	return r, nil
}

// ---------------------------------------------------------------------------
// runc's protocol
// ---------------------------------------------------------------------------

var logMsg = regexp.MustCompile(`(?s)^(nsexec(?:-[012])?)\[(-?\d+)\]: (.*)$`)
var stageNames = map[string]string{"nsexec": "READER", "nsexec-0": "PARENT", "nsexec-1": "CHILD", "nsexec-2": "INIT"}

func parseLog(line string) RuncLog {
	var obj struct{ Level, Msg string }
	if err := json.Unmarshal([]byte(line), &obj); err != nil {
		return RuncLog{Level: "unparsed", Stage: "?", Message: line}
	}
	m := logMsg.FindStringSubmatch(obj.Msg)
	if m == nil {
		return RuncLog{Level: obj.Level, Stage: "?", Message: obj.Msg}
	}
	pid, _ := strconv.Atoi(m[2])
	return RuncLog{Level: obj.Level, Stage: stageNames[m[1]], Pid: pid, Message: m[3]}
}

// RunRunc plays runc's parent: spawns argv with _LIBCONTAINER_INITPIPE=3
// and _LIBCONTAINER_LOGPIPE=4, writes the netlink message, then reads (runc
// 1.1) the NUL byte and the {"stage1_pid":N,"stage2_pid":M} line; a failure
// arrives as a fatal line on the log pipe. env may add variables such as
// _LIBCONTAINER_LOGLEVEL or _LIBCONTAINER_MOUNT_FDS.
func RunRunc(argv []string, message []byte, d Dialect, env []string) (*Result, error) {
	logR, logW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	dialect := "12"
	if d == Runc11 {
		dialect = "11"
	}
	c, err := spawn(argv, append([]string{"_LIBCONTAINER_INITPIPE=3", "_LIBCONTAINER_LOGPIPE=4", "NSBOOT_RUNC_DIALECT=" + dialect}, env...), logW)
	logW.Close()
	if err != nil {
		logR.Close()
		return nil, err
	}
	logs := make(chan []RuncLog)
	go func() {
		var l []RuncLog
		s := bufio.NewScanner(logR)
		s.Buffer(make([]byte, 64*1024), 1<<20)
		for s.Scan() {
			l = append(l, parseLog(s.Text()))
		}
		logR.Close()
		logs <- l
	}()
	r := &Result{}
	if err := writeAll(c.sock, message); err != nil {
		c.finish(r)
		return r, fmt.Errorf("writing the request: %w", err)
	}
	init := os.NewFile(uintptr(c.sock), "initpipe")
	reader := bufio.NewReader(init)
	if d == Runc11 {
		// nsexec's "ready" byte (runc 1.1's initWaiter).
		if b, err := reader.ReadByte(); err == nil && b != 0 {
			init.Close()
			c.sock = -1
			c.finish(r)
			return r, fmt.Errorf("expected a NUL byte on the init pipe, got %#x", b)
		}
	}
	line, _ := reader.ReadString('\n')
	if line != "" {
		var pids struct {
			Stage1 int `json:"stage1_pid"`
			Stage2 int `json:"stage2_pid"`
		}
		if err := json.Unmarshal([]byte(line), &pids); err != nil {
			init.Close()
			c.sock = -1
			c.finish(r)
			return r, fmt.Errorf("bad pid JSON %q: %w", line, err)
		}
		r.Stage1Pid, r.Stage2Pid = pids.Stage1, pids.Stage2
	}
	init.Close() // owns c.sock
	c.sock = -1
	c.finish(r)
	r.Logs = <-logs
	for i := range r.Logs {
		if l := r.Logs[i]; l.Level == "fatal" || l.Level == "panic" {
			r.Err = &Error{Stage: l.Stage, Pid: l.Pid, Message: l.Message}
		}
	}
	if r.Err == nil && r.Stage2Pid == 0 {
		r.Err = &Error{Stage: "?", Message: "no pid JSON on the init pipe; stderr: " + strings.TrimSpace(r.Stderr)}
	}
	return r, nil
}
