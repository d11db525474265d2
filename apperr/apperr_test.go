package apperr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/respite-uk/respite/apperr"
)

var (
	errFull  = apperr.New(apperr.Conflict, "That night is taken.")
	errOther = apperr.New(apperr.Conflict, "That night is taken.") // same words, another sentinel
)

func TestSentinels(t *testing.T) {
	cause := errors.New("pq: duplicate key value violates unique constraint")
	wrapped := fmt.Errorf("booking: %w", errFull.Because(cause))
	if !errors.Is(wrapped, errFull) {
		t.Error("a wrapped copy does not match its sentinel")
	}
	if errors.Is(wrapped, errOther) {
		t.Error("a copy matches another sentinel that has the same message")
	}
	if !errors.Is(wrapped, cause) {
		t.Error("the cause is lost")
	}
	e, ok := apperr.As(wrapped)
	if !ok || e.Message != "That night is taken." || apperr.KindOf(wrapped) != apperr.Conflict {
		t.Errorf("As = %+v, %v", e, ok)
	}

	reasoned := errFull.Reason("Room %d is taken on %s.", 4, "3 April")
	if !errors.Is(reasoned, errFull) || reasoned.Message != "Room 4 is taken on 3 April." {
		t.Errorf("Reason = %v", reasoned)
	}
	if apperr.KindOf(errors.New("disk on fire")) != apperr.Internal {
		t.Error("an unknown error should be Internal")
	}
}

func TestFields(t *testing.T) {
	var f apperr.Fields
	if f.Err() != nil {
		t.Fatal("no fields should be no error")
	}
	f.Add("name", "Enter a name.")
	f.OneOf("kind", "lease", []string{"block", "spot"})
	f.OneOf("kind2", "", []string{"block", "spot"})
	f.AllOneOf("features", []string{"hoist", "moat", "hoist"}, []string{"hoist"})
	var nested apperr.Fields
	nested.Add("id", "Choose a place.")
	f.Merge("place.", nested.Err())

	e, _ := apperr.As(f.Err())
	var got []string
	for _, fe := range e.Fields {
		got = append(got, fe.Field+": "+fe.Message)
	}
	want := []string{
		"name: Enter a name.",
		`kind: "lease" is not allowed; use one of: block, spot.`,
		"kind2: Enter one of: block, spot.",
		`features[1]: "moat" is not allowed; use one of: hoist.`,
		`features[2]: "hoist" is listed twice.`,
		"place.id: Choose a place.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fields:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if e.Kind != apperr.Invalid || !f.Has("kind") || f.Has("nothing") {
		t.Errorf("kind %v, Has wrong", e.Kind)
	}
}

func TestFieldNames(t *testing.T) {
	var f apperr.Fields
	f.Add("a", "x")
	f.Add("b[0]", "y")
	if got, ok := apperr.FieldNames(f.Err()); !ok || strings.Join(got, ",") != "a,b[0]" {
		t.Errorf("FieldNames = %v, %v", got, ok)
	}
	if _, ok := apperr.FieldNames(errFull); ok {
		t.Error("a Conflict error reported fields")
	}
}
