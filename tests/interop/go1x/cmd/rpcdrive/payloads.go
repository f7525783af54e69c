// The events the load scenarios send: each distinct, each valid JSON, with lengths that sit on
// either side of gob's length-prefix boundaries (1, 2, 3 and 4 byte uints: 127/128, 255/256,
// 65535/65536), and a checker that names the first differing byte.
package main

import (
	"bytes"
	"fmt"
	"strconv"
)

// eventLengths cycles with the call number; a target below the minimum gives the minimal event.
var eventLengths = []int{0, 100, 126, 127, 128, 129, 200, 254, 255, 256, 257, 1000, 4096, 65535, 65536, 70000}

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"

// event is call `seq` on connection `conn`: {"conn":C,"seq":S,"pad":"..."}.
func event(conn, seq int) []byte {
	head := `{"conn":` + strconv.Itoa(conn) + `,"seq":` + strconv.Itoa(seq) + `,"pad":"`
	const tail = `"}`
	padLen := eventLengths[seq%len(eventLengths)] - len(head) - len(tail)
	if padLen < 0 {
		padLen = 0
	}
	out := make([]byte, 0, len(head)+padLen+len(tail))
	out = append(out, head...)
	for i := 0; i < padLen; i++ {
		out = append(out, alphabet[(i*7+i/97+seq*13+conn*31)%len(alphabet)])
	}
	return append(out, tail...)
}

// jsonString is a JSON string literal of exactly size bytes whose body does not repeat in any
// short period, so a dropped, duplicated or reordered chunk shows.
func jsonString(size int) []byte {
	out := make([]byte, size)
	out[0], out[size-1] = '"', '"'
	for i := 1; i < size-1; i++ {
		out[i] = alphabet[(i*7+i/97+i/9973)%len(alphabet)]
	}
	return out
}

// checkPayload compares an answer with what was expected: the request itself (echo) or the
// fixed -expect-payload text.
func checkPayload(cfg *config, sent, got []byte) error {
	want := sent
	if cfg.expectPayload != "" {
		want = []byte(cfg.expectPayload)
	}
	if bytes.Equal(got, want) {
		return nil
	}
	first := 0
	for first < len(got) && first < len(want) && got[first] == want[first] {
		first++
	}
	return fmt.Errorf("payload mismatch: want %d bytes, got %d; first difference at byte %d: want %q, got %q",
		len(want), len(got), first, clip(want[first:]), clip(got[first:]))
}

func clip(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}
