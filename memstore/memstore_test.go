package memstore

import (
	"testing"
	"time"
)

func TestStorage(t *testing.T) {
	m := New()
	val := []byte("3")
	if err := m.Set("a", val, 0); err != nil {
		t.Fatal(err)
	}
	val[0] = '9' // the caller reuses its buffer: the stored copy stays
	if got, _ := m.Get("a"); string(got) != "3" {
		t.Errorf("Get(a) = %q, want 3", got)
	}
	_ = m.Set("short", []byte("x"), time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if got, _ := m.Get("short"); got != nil {
		t.Errorf("an expired key = %q, want nil", got)
	}
	// A sweep drops expired keys, so they do not pile up.
	m.lastSweep = time.Now().Add(-2 * sweepEvery)
	_ = m.Set("b", []byte("1"), 0)
	if _, ok := m.items["short"]; ok {
		t.Error("the sweep kept an expired key")
	}
	_ = m.Delete("a")
	if got, _ := m.Get("a"); got != nil {
		t.Errorf("a deleted key = %q", got)
	}
	_ = m.Reset()
	if got, _ := m.Get("b"); got != nil || len(m.items) != 0 {
		t.Errorf("after Reset: %q, %d items", got, len(m.items))
	}
}
