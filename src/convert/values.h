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
// them; BYTES as base64; Timestamp/Date/Time as "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
// "yyyy-MM-dd", "HH:mm:ss.SSS'Z'"; Decimal as its plain digits; arrays and maps
// as "[a,b]" / "{k:v}" with strings inside quoted; structs as "Struct{f=v,...}".
// `schema` may be null; value must not be null.
std::string ValueToString(const SchemaPtr& schema, const Value& value);

// Values.parseString, as SimpleHeaderConverter reads a header. Covered: ""
// (STRING ""), "null" (null), "true"/"false" (BOOLEAN), integers (the smallest of
// INT8..INT64 that holds them exactly, including "1.0" and "1e3" as Connect
// does), other finite numbers (FLOAT32, else FLOAT64), integers beyond INT64
// (Decimal, scale 0), "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (Timestamp), "yyyy-MM-dd"
// (Date), "HH:mm:ss.SSS'Z'" (Time). Everything else, including Connect's
// "[...]" / "{...}" array and map literals, stays a STRING with the original
// text.
SchemaAndValue ParseValueString(std::string_view text);

}  // namespace ferry
