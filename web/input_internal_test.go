package web

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/apperr"
)

func TestCheckJSONText(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // the fields named
	}{
		{"clean", `{"name":"Pat","notes":["a","b"],"n":1,"ok":true,"none":null}`, nil},
		{"top level", `{"name":"P\u0000t"}`, []string{"name"}},
		{"nested", `{"place":{"kind":"\u0007","id":1}}`, []string{"place.kind"}},
		{"second item", `{"ranges":[{"starts_on":"x"},{"starts_on":"\u001f"}]}`, []string{"ranges[1].starts_on"}},
		{"list of strings", `{"features":["hoist","\u007f"]}`, []string{"features[1]"}},
		{"after a nested value", `{"a":{"b":[1,{"c":2}]},"d":"\u0000"}`, []string{"d"}},
		{"line break on one line", `{"name":"a\nb"}`, []string{"name"}},
		{"lines in a note", `{"staff_notes":"a\r\nb\tc","place":{"reason":"x\ny"}}`, nil},
		{"a C1 control in a note", `{"reason":"a\u0085b"}`, []string{"reason"}},
		{"a bad member name", `{"place":{"k\u0000":1}}`, []string{"place"}},
		{"a bad member name at the top", `{"\u0000":1}`, []string{"body"}},
		{"a string body", `"\u0000"`, []string{"body"}},
		{"not UTF-8", "{\"name\":\"a\xffb\"}", []string{"name"}},
		{"every bad field", `{"a":"\u0000","b":["\u0001"],"c":{"d":"\u0002"}}`, []string{"a", "b[0]", "c.d"}},
		{"not JSON", `{"name":`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			if err := checkJSONText([]byte(tt.body), &f); err != nil {
				t.Fatal(err)
			}
			got, _ := apperr.FieldNames(f.Err())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckJSONText_Depth(t *testing.T) {
	var f apperr.Fields
	ok := strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth)
	if err := checkJSONText([]byte(ok), &f); err != nil {
		t.Errorf("%d levels: %v", maxJSONDepth, err)
	}
	for _, deep := range []string{strings.Repeat("[", maxJSONDepth+1), strings.Repeat(`{"a":`, 1_000_000)} {
		err := checkJSONText([]byte(deep), &f)
		var fe *fiber.Error
		if !errors.As(err, &fe) || fe.Code != fiber.StatusBadRequest {
			t.Errorf("%.20s… = %v, want a 400", deep, err)
		}
	}
}

// FuzzCheckJSONText: for any body, the walk never panics, and when it
// passes a body that encoding/json can read, no string in it holds a
// control character (line breaks and tabs aside, which notes may hold).
func FuzzCheckJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":["\u0000"]}`, `{"a":{"b":"c\n"}}`, `[[[]]]`, `"x"`, `{"a":`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fields apperr.Fields
		if err := checkJSONText(body, &fields); err != nil || fields.Err() != nil {
			return
		}
		var v any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				for _, r := range v {
					if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
						t.Fatalf("passed %q, holding %U", body, r)
					}
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for k, x := range v {
					walk(k)
					walk(x)
				}
			}
		}
		walk(v)
	})
}
