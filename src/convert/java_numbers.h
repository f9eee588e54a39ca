#pragma once

// Java's number parsing, narrowing and printing, as Connect sees them
// (Byte.parseByte, Double.toString, new BigDecimal(String), Number.intValue,
// ...): used by Values (headers), StringConverter and the Cast and MaskField
// transforms, so that every place prints and parses numbers as Java does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "record/value.h"

namespace ferry {

// String.trim: drops leading and trailing chars <= ' '.
std::string_view JavaTrim(std::string_view s);

// Java's (byte) / (short) / (int) narrowing of a long to an INT8 / INT16 /
// INT32 type; other types keep the value.
int64_t JavaNarrow(int64_t v, Type type);

// Integer.parseInt / Long.parseLong semantics (optional sign, ASCII digits, no
// blanks), checked against [min, max] as Byte/Short/Integer/Long.parseX do.
std::optional<int64_t> JavaParseIntegral(std::string_view text, int64_t min, int64_t max);
// Double.parseDouble / Float.parseFloat: blanks trimmed, optional sign, NaN,
// Infinity, decimal or hex literal, optional f/F/d/D suffix. Float parsing
// rounds once, straight to float.
std::optional<double> JavaParseDouble(std::string_view text);
std::optional<float> JavaParseFloat(std::string_view text);

// Java's narrowing of a floating value to int/long: NaN is 0, out of range
// saturates.
int32_t JavaDoubleToInt(double d);
int64_t JavaDoubleToLong(double d);

// Double.toString / Float.toString (shortest digits that round-trip;
// "1.0E10", "1.0E-5", "NaN", "-Infinity").
std::string JavaDoubleToString(double d);
std::string JavaFloatToString(float f);

// new BigDecimal(String): [sign] digits [. digits] [e|E [sign] digits], at
// least one digit; nullopt when Java throws NumberFormatException.
struct JavaBigDecimal {
  bool negative = false;
  std::string digits;  // the unscaled magnitude, no leading zeros ("0" for zero).
  int64_t scale = 0;
};
std::optional<JavaBigDecimal> JavaParseBigDecimal(std::string_view text);
// BigDecimal.setScale(scale) without rounding: nullopt when digits would be
// lost, or when the result needs more than 39 digits (beyond any Decimal).
std::optional<JavaBigDecimal> JavaSetScaleExact(const JavaBigDecimal& d, int64_t scale);
JavaBigDecimal FromDecimal(const Decimal& d);
// As connect's Decimal value; nullopt when the unscaled value needs more than
// 16 bytes (ferry's Decimal limit) or the scale does not fit an int.
std::optional<Decimal> ToDecimal(const JavaBigDecimal& d);
// BigDecimal.longValue (the low 64 bits of the value truncated toward zero),
// doubleValue / floatValue (correctly rounded), toString (Java's scientific
// form when the scale is negative or the exponent is below -6).
int64_t BigDecimalLongValue(const JavaBigDecimal& d);
double BigDecimalDoubleValue(const JavaBigDecimal& d);
float BigDecimalFloatValue(const JavaBigDecimal& d);
std::string BigDecimalToString(const JavaBigDecimal& d);

}  // namespace ferry
