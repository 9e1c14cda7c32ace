package exprfn

import (
	"regexp"
	"strings"
	"testing"
)

func TestSecurityFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{src: "md5('')", want: "d41d8cd98f00b204e9800998ecf8427e"},
		{src: "sha1('')", want: "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{src: "sha256('')", want: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{src: "sha256('日本')", want: "cf2abf0c5be326cb922a70f8163f91079c4d9aa8655c60ead89ad545c9de2e92"},
		{src: "sha512('')", want: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{src: "md5(n)", err: "md5: the argument must be text, e.g. md5('hello'), or md5(string(x)) for a number; got int 5"},
		{src: "sha256(nul)", err: "sha256: the argument must be text, e.g. sha256('hello'), or sha256(string(x)) for a number; got null"},
		{src: "md5(1)", err: "compile: cannot use int as argument (type string) to call md5 "},
		{src: "md5()", err: "compile: not enough arguments to call md5"},

		// RFC 4231, test case 2.
		{src: "hmacSha256('what do ya want for nothing?', 'Jefe')", want: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{src: "hmacSha256('what do ya want for nothing?', 'Jefe', 'hex')", want: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{src: "hmacSha256('what do ya want for nothing?', 'Jefe', 'base64')", want: "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="},
		{src: "hmacSha256('what do ya want for nothing?', 'Jefe', 'base64url')", want: "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM"},
		{src: "hmacSha256('x', 'k', 'base32')", err: "hmacSha256: the encoding must be 'hex', 'base64' or 'base64url', e.g. hmacSha256(body, secret, 'base64'); got text \"base32\""},
		{src: "hmacSha256('x', s, n)", err: "hmacSha256: the encoding must be 'hex', 'base64' or 'base64url', e.g. hmacSha256(body, secret, 'base64'); got int 5"},
		{src: "hmacSha256('x', nul)", err: "hmacSha256: the key must be text, e.g. hmacSha256(body, secret); got null"},
		{src: "hmacSha256(l, 'k')", err: "hmacSha256: the text must be text, e.g. hmacSha256(body, secret); got a list"},

		{src: "secureCompare('abc', 'abc')", want: true},
		{src: "secureCompare('abc', 'abd')", want: false},
		{src: "secureCompare('abc', 'abcd')", want: false},
		{src: "secureCompare('', '')", want: true},
		{src: "secureCompare(s, n)", err: "secureCompare: the second argument must be text, e.g. secureCompare(request.headers['x-signature'], hmacSha256(body, secret)); got int 5"},

		{src: "len(uuid())", want: 36},
		{src: "uuid() != uuid()", want: true},

		{src: "randomInt(7, 7)", want: 7},
		{src: "type(randomInt(-9223372036854775807, 9223372036854775807))", want: "int"},
		{src: "all(1..200, randomInt(1, 3) in [1, 2, 3])", want: true},
		{src: "randomInt(3, 1)", err: "randomInt: the minimum 3 is above the maximum 1; pass the smaller number first, e.g. randomInt(1, 6)"},
		{src: "randomInt(f, 3)", err: "randomInt: the minimum must be a whole number, e.g. randomInt(1, 6); got decimal 2.5"},

		{src: "len(randomText(40))", want: 40},
		{src: "randomText(0)", want: ""},
		{src: "randomText(5, 'x')", want: "xxxxx"},
		{src: "randomText(3, 'é')", want: "ééé"},
		{src: "randomText(1e9)", err: "randomText: the length 1000000000 would make a text over the 16 MiB limit (max_text_bytes)"},
		{src: "randomText(9000000, 'é')", err: "randomText: 9000000 characters would make a text over the 16 MiB limit (max_text_bytes)"},
		{src: "randomText(2.5)", err: "randomText: the length must be a whole number of 0 or more, e.g. randomText(32); got decimal 2.5"},
		{src: "randomText(s)", err: "randomText: the length must be a whole number of 0 or more, e.g. randomText(32); got text \"text\""},
		{src: "randomText(-1)", err: "randomText: the length must be a whole number of 0 or more, e.g. randomText(32); got int -1"},
		{src: "randomText(3, '')", err: "randomText: the alphabet must have from 1 to 256 characters, e.g. randomText(6, '0123456789'); got 0"},
		{src: "randomText(3, repeat('ab', 129))", err: "randomText: the alphabet must have from 1 to 256 characters, e.g. randomText(6, '0123456789'); got 258"},

		{src: "toBase64Url('ÿþ?')", want: "w7_Dvj8"},
		{src: "toBase64Url('')", want: ""},
		{src: "fromBase64Url('aGk_')", want: "hi?"},
		{src: "fromBase64Url('aGk_aQ==')", want: "hi?i"},
		{src: "fromBase64Url('aGk_aQ')", want: "hi?i"},
		{src: "fromBase64Url('aGk/')", err: "fromBase64Url: the text is not URL-safe Base64 (illegal base64 data at input byte 3); for standard Base64 (+ and /) use fromBase64"},
		{src: "fromBase64Url('__4_')", err: "fromBase64Url: the result is not UTF-8 text (binary data cannot be held in a text)"},
	})
}

// TestRandomTextAlphabet checks that every character of the alphabet
// comes out and no other: the rejection sampling keeps it uniform, and a
// bug in it would drop or repeat the alphabet's last characters.
func TestRandomTextAlphabet(t *testing.T) {
	v, err := eval("randomText(20000)")
	if err != "" {
		t.Fatal(err)
	}
	s := v.(string)
	if !regexp.MustCompile(`^[A-Za-z0-9]+$`).MatchString(s) || len(s) != 20000 {
		t.Fatalf("randomText(20000) has characters outside A-Z a-z 0-9: %.80q", s)
	}
	for _, c := range alphanumeric {
		if n := strings.Count(s, string(c)); n < 200 || n > 500 { // 20000/62 ≈ 323
			t.Errorf("%q came %d times in 20000 characters; want about 323", c, n)
		}
	}
}
