// Type-id numbering. gob numbers the types a process encodes from one process-wide counter whose
// start changed in Go 1.21 (encoding/gob/type.go): Go <= 1.20 gives the first user type id 65,
// Go >= 1.21 gives 64 (idToType became a slice whose length is the next id). -first-id 65 lets a
// newer Go reproduce the recorded (Go 1.19) file: each child first burns the ids below 65 by
// encoding throw-away types, so the conversation's types get the recorded numbers.
package main

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
)

// encodeThrowaway encodes a value of a struct type never used before (named by k) and returns
// the id gob gave it.
func encodeThrowaway(k int) (int64, error) {
	t := reflect.StructOf([]reflect.StructField{{Name: fmt.Sprintf("Burn%d", k), Type: reflect.TypeOf(0)}})
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(reflect.New(t).Interface()); err != nil {
		return 0, err
	}
	msgs, err := split(buf.Bytes())
	if err != nil || len(msgs) == 0 || msgs[0].id >= 0 {
		return 0, fmt.Errorf("probe encoding has no type definition first (%v)", err)
	}
	return -msgs[0].id, nil
}

// probe prints the first user type id this Go assigns (run in a fresh process).
func probe() error {
	id, err := encodeThrowaway(0)
	if err != nil {
		return err
	}
	fmt.Println(id)
	return nil
}

// burnIDs uses up n ids, so that the next type this process encodes gets an id n higher.
func burnIDs(n int) error {
	for k := 0; k < n; k++ {
		if _, err := encodeThrowaway(k); err != nil {
			return err
		}
	}
	return nil
}
