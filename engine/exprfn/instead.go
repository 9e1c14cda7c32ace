package exprfn

// insteadOf maps the names a newcomer from Xano, JavaScript or PHP writes
// for a function that funcstack spells otherwise (or writes as an
// operator) to what to write. The compiler adds it to "unknown name X"
// when no visible name is near X.
var insteadOf = map[string]string{
	"substr": "text[start:end] (characters; text[-3:] for the last three)", "substring": "text[start:end] (characters; text[-3:] for the last three)",
	"slice": "list[from:to] or text[from:to]", "strlen": "len(text)", "length": "len(value)", "size": "len(value)",
	"contains": "a contains b (an operator), or item in list", "includes": "a contains b, or item in list",
	"startsWith": "text startsWith prefix (an operator), or hasPrefix(text, prefix)", "starts_with": "text startsWith prefix",
	"endsWith": "text endsWith suffix (an operator), or hasSuffix(text, suffix)", "ends_with": "text endsWith suffix",
	"has": "'key' in object", "hasKey": "'key' in object", "has_key": "'key' in object", "exists": "'key' in object, or x != nil",
	"set": "merge(object, {key: value}) (or a set step with a path)", "unset": "omit(object, 'key')",
	"number": "float(text) or int(text)", "toNumber": "float(text) or int(text)", "parseFloat": "float(text)",
	"parseInt": "int(text)", "toInt": "int(value)", "to_int": "int(value)", "toFloat": "float(value)", "to_decimal": "float(value)",
	"toString": "string(value)", "to_text": "string(value)", "str": "string(value)",
	"toLower": "lower(text)", "toLowerCase": "lower(text)", "to_lower": "lower(text)", "lowercase": "lower(text)",
	"toUpper": "upper(text)", "toUpperCase": "upper(text)", "to_upper": "upper(text)", "uppercase": "upper(text)",
	"trimStart": "trimPrefix(text, prefix), or regexReplace(text, '^\\\\s+', '')", "ltrim": "regexReplace(text, '^\\\\s+', '')",
	"trimEnd": "trimSuffix(text, suffix), or regexReplace(text, '\\\\s+$', '')", "rtrim": "regexReplace(text, '\\\\s+$', '')",
	"str_replace": "replace(text, old, new)", "replaceAll": "replace(text, old, new)",
	"json_encode": "toJSON(value)", "json_decode": "fromJSON(text)", "stringify": "toJSON(value)", "parse": "fromJSON(text)",
	"base64_encode": "toBase64(text)", "base64_decode": "fromBase64(text)", "btoa": "toBase64(text)", "atob": "fromBase64(text)",
	"url_encode": "urlEncode(text)", "encodeURIComponent": "urlEncode(text)", "url_decode": "urlDecode(text)",
	"number_format": "formatNumber(number, decimals)", "toFixed": "formatNumber(number, decimals) or round(number, decimals)",
	"unique": "uniq(list)", "distinct": "uniq(list)", "range": "from..to (e.g. 1..10)", "push": "append(list, item)",
	"array_merge": "concat(list, list) or merge(object, object)", "implode": "join(list, separator)", "explode": "split(text, separator)",
	"timestamp": "now()", "today": "formatDate(now(), 'YYYY-MM-DD')", "format_timestamp": "formatDate(timestamp, layout)",
	"isEmpty": "len(x) == 0, or x == nil", "is_empty": "len(x) == 0, or x == nil", "isNull": "x == nil", "is_null": "x == nil",
	"to_bool": "bool(value)", "toBool": "bool(value)", "boolean": "bool(value)", "array_chunk": "chunk(list, size)",
	"diff": "difference(list, other)", "array_diff": "difference(list, other)", "array_intersect": "intersect(list, other)",
	"intersection": "intersect(list, other)", "hmac_sha1": "hmacSha1(text, key)", "hmac_sha256": "hmacSha256(text, key)",
	"startOfDay": "startOf(timestamp, 'day')", "endOfDay": "endOf(timestamp, 'day')", "date_diff": "dateDiff(from, to, 'days')",
	"coalesce": "a ?? b", "ifnull": "a ?? b", "iif": "cond ? a : b", "if": "cond ? a : b (or an if step)",
}

// Instead is what to write for name, a function funcstack spells
// otherwise, or "".
func Instead(name string) string { return insteadOf[name] }
