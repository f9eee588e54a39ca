#pragma once

#include <string>
#include <string_view>

#include "convert/converter.h"
#include "record/schema.h"
#include "record/value.h"

// Text forms of Connect values, after org.apache.kafka.connect.data.Values:
// what SimpleHeaderConverter and StringConverter write, and what
// SimpleHeaderConverter reads back.
namespace ferry {

// Values.convertToString: STRING as is; numbers and booleans as Java prints
// them; BYTES as base64; Decimal as BigDecimal.toString ("12.50", "1E+400");
// Timestamp/Date/Time by Values.dateFormatFor, which looks at the instant, not
// the schema: "HH:mm:ss.SSS'Z'" within the first day after the epoch,
// "yyyy-MM-dd" on a whole day, else "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (UTC; an
// instant before the epoch keeps its date, where Connect prints only the time
// of day); arrays as [a,b], maps as {k:v}, structs as {"field":v,...} (every
// field, null ones included), with strings and bytes inside quoted and `\`
// and `"` escaped. `schema` may be null; value must not be null.
std::string ValueToString(const SchemaPtr& schema, const Value& value);

// Struct.toString, as StringConverter writes a Struct: "Struct{f=v,...}",
// null fields left out.
std::string StructToJavaString(const Struct& s);

// Values.parseString (Kafka 3.8's ValueParser), as SimpleHeaderConverter reads
// a header:
//  - "" → STRING ""; "null" → null; "true"/"false" → BOOLEAN (surrounding
//    whitespace allowed);
//  - integers → the smallest of INT8..INT64 that holds them ("1.0", "1e3"
//    too); other finite numbers → FLOAT32, else FLOAT64; integers beyond INT64
//    and numbers too large for a double → Decimal with the number's scale;
//  - "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" → Timestamp, "yyyy-MM-dd" → Date,
//    "HH:mm:ss.SSS'Z'" → Time (colons may be escaped as "\:");
//  - "[…]" → ARRAY and "{…}" → MAP of such values, nested, with quoted strings
//    ("\"a\"", escapes kept as written). Elements merge to a common schema
//    (integers widen to larger integers and floats); without one (mixed types,
//    only nulls, empty) the ARRAY has no value schema, and the MAP no value
//    schema, or neither key nor value schema. A null next to typed elements,
//    an unquoted word, a missing comma or bracket make the whole text a STRING.
// Everything else is a STRING of the original text. ferry differs from
// Connect in that a number, date or literal at the top level must be the whole
// text ("10:30" and "[1] x" stay text; Connect reads 10 and [1]), and dates and
// times must be exact and valid (Connect's lenient SimpleDateFormat reads
// "2023-02-30" as March 2).
SchemaAndValue ParseValueString(std::string_view text);

}  // namespace ferry
