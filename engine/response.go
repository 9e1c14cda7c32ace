package engine

// Response is the output of a run that ended with a respond step: the HTTP
// answer its stack chose (docs/design.md §26). An endpoint or /function
// writes it as it is; a caller of the function (call, await) gets it as a
// value with the fields status, headers, body and content_type; an
// execution record holds it as that object.
type Response struct {
	// Status is the HTTP status (200-599).
	Status int `json:"status" expr:"status"`
	// Headers are extra response headers, checked by the respond step
	// (names are tokens, values hold no line breaks).
	Headers map[string]string `json:"headers,omitempty" expr:"headers"`
	// Body is what is written: any value for a JSON content type, a text
	// for other types, base64 for binary.
	Body any `json:"body" expr:"body"`
	// ContentType is the media type written in Content-Type, e.g.
	// "application/json; charset=utf-8".
	ContentType string `json:"content_type" expr:"content_type"`
	// Binary: Body is base64 to be decoded before it is written.
	Binary bool `json:"binary,omitempty" expr:"binary"`
	// File, when set, is a file value {name, size, content_type, sha256}
	// whose stored bytes are the body (Body is nil): the API streams them
	// from the engine's file folder. A caller of the function sees the
	// file value, which file.read or a respond step of its own can use.
	File map[string]any `json:"file,omitempty" expr:"file"`
}
