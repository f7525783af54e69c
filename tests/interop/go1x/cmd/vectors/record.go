// The recording: a TCP proxy between a client process and the server that keeps both byte
// streams, and the cutting of a stream into gob messages (uint byte count, then the type id:
// negative for a type definition) printed in the vector file's format.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// record runs `self -role client -script script -burn burn` against a proxy to serverAddr and
// returns what the client sent (up, host->fn) and what the server answered (down, fn->host).
func record(self, serverAddr, script, burn string) (up, down []byte, err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer lis.Close()
	client := exec.Command(self, "-role", "client", "-script", script, "-burn", burn,
		"-addr", lis.Addr().String())
	client.Stdout, client.Stderr = os.Stderr, os.Stderr
	if err := client.Start(); err != nil {
		return nil, nil, err
	}
	lis.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	hostSide, err := lis.Accept()
	if err != nil {
		client.Process.Kill()
		client.Wait()
		return nil, nil, fmt.Errorf("client never connected: %w", err)
	}
	defer hostSide.Close()
	fnSide, err := net.Dial("tcp", serverAddr)
	if err != nil {
		client.Process.Kill()
		client.Wait()
		return nil, nil, err
	}
	defer fnSide.Close()

	var upBuf, downBuf bytes.Buffer
	upDone, downDone := make(chan struct{}), make(chan struct{})
	go func() { tee(&upBuf, fnSide, hostSide); fnSide.(*net.TCPConn).CloseWrite(); close(upDone) }()
	go func() { tee(&downBuf, hostSide, fnSide); close(downDone) }()
	if err := client.Wait(); err != nil {
		return nil, nil, fmt.Errorf("client (script %s): %w", script, err)
	}
	<-upDone   // the client's close ended its stream ...
	<-downDone // ... and the server then closed its side
	return upBuf.Bytes(), downBuf.Bytes(), nil
}

// tee copies src to dst until src ends, keeping every byte read in rec (even if dst fails).
func tee(rec *bytes.Buffer, dst io.Writer, src io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		rec.Write(buf[:n])
		dst.Write(buf[:n])
		if err != nil {
			return
		}
	}
}

// message is one gob message: its type id (negative: a definition) and all its bytes.
type message struct {
	id  int64
	raw []byte
}

// readUint decodes a gob uint at b[0:], returning it and its length in bytes.
func readUint(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, io.ErrUnexpectedEOF
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	n := int(-int8(b[0]))
	if n > 8 || len(b) < 1+n {
		return 0, 0, errors.New("bad uint")
	}
	var v uint64
	for _, c := range b[1 : 1+n] {
		v = v<<8 | uint64(c)
	}
	return v, 1 + n, nil
}

func split(stream []byte) ([]message, error) {
	var out []message
	for len(stream) > 0 {
		count, n, err := readUint(stream)
		if err != nil || uint64(len(stream)-n) < count {
			return nil, fmt.Errorf("truncated gob message after %d messages", len(out))
		}
		u, _, err := readUint(stream[n : n+int(count)])
		if err != nil {
			return nil, err
		}
		id := int64(u >> 1)
		if u&1 != 0 {
			id = ^id
		}
		out = append(out, message{id, stream[:n+int(count)]})
		stream = stream[n+int(count):]
	}
	return out, nil
}

// calls groups messages into calls (or replies): each ends with its second value message (the
// header, then the body), type definitions going with the value after them.
func calls(msgs []message) [][]message {
	var groups [][]message
	var cur []message
	values := 0
	for _, m := range msgs {
		cur = append(cur, m)
		if m.id > 0 {
			values++
		}
		if values == 2 {
			groups, cur, values = append(groups, cur), nil, 0
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

func writeMessages(b *strings.Builder, msgs []message) {
	for _, m := range msgs {
		kind := fmt.Sprintf("VALUE id=%d", m.id)
		if m.id < 0 {
			kind = fmt.Sprintf("TYPEDEF id=%d", -m.id)
		}
		fmt.Fprintf(b, "  %-16s%x\n", kind, m.raw)
	}
}

// writeSections prints one section per call: "## N title host->fn", then "... fn->host".
func writeSections(b *strings.Builder, titles []string, up, down []byte) error {
	upMsgs, err := split(up)
	if err != nil {
		return fmt.Errorf("host->fn: %w", err)
	}
	downMsgs, err := split(down)
	if err != nil {
		return fmt.Errorf("fn->host: %w", err)
	}
	reqs, reps := calls(upMsgs), calls(downMsgs)
	if len(reqs) != len(titles) || len(reps) != len(titles) {
		return fmt.Errorf("recorded %d calls and %d replies, expected %d of each", len(reqs), len(reps), len(titles))
	}
	for i, title := range titles {
		fmt.Fprintf(b, "## %d %s host->fn\n", i+1, title)
		writeMessages(b, reqs[i])
		fmt.Fprintf(b, "## %d %s fn->host\n", i+1, title)
		writeMessages(b, reps[i])
	}
	return nil
}

// writeStream prints a whole direction under one heading.
func writeStream(b *strings.Builder, title string, stream []byte) error {
	msgs, err := split(stream)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "## %s\n", title)
	writeMessages(b, msgs)
	return nil
}
