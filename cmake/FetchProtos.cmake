# Fetches the official BigQuery Storage protos (and google/api, google/rpc) from
# the npm registry at configure time, pinned by version and verified by the
# registry's sha512 integrity. Nothing of them is committed.
#
# Sets FERRY_PROTO_ROOTS: include roots for protoc.

if(DEFINED ENV{HOME} AND NOT "$ENV{HOME}" STREQUAL "")
  set(_ferry_npm_cache_default "$ENV{HOME}/.cache/ferry/npm")
else()
  set(_ferry_npm_cache_default "${CMAKE_BINARY_DIR}/_npm/cache")
endif()
set(FERRY_NPM_CACHE "${_ferry_npm_cache_default}" CACHE PATH
    "Where npm tarballs are kept between builds")

function(ferry_fetch_npm name version sha512 out_dir)
  string(REGEX REPLACE "^@" "" flat "${name}")
  string(REPLACE "/" "-" flat "${flat}")
  set(tgz "${FERRY_NPM_CACHE}/${flat}-${version}.tgz")
  if(EXISTS "${tgz}")
    file(SHA512 "${tgz}" have)
    if(NOT have STREQUAL sha512)
      file(REMOVE "${tgz}")
    endif()
  endif()
  if(NOT EXISTS "${tgz}")
    find_program(NPM npm REQUIRED)
    file(MAKE_DIRECTORY "${FERRY_NPM_CACHE}")
    message(STATUS "Fetching ${name}@${version} from the npm registry")
    execute_process(
      COMMAND "${NPM}" pack "${name}@${version}" --pack-destination "${FERRY_NPM_CACHE}"
      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "npm pack ${name}@${version} failed: ${err}")
    endif()
  endif()
  file(SHA512 "${tgz}" have)
  if(NOT have STREQUAL sha512)
    file(REMOVE "${tgz}")
    message(FATAL_ERROR "${name}@${version}: sha512 mismatch (got ${have})")
  endif()
  set(dest "${CMAKE_BINARY_DIR}/_npm/${flat}-${version}")
  if(NOT EXISTS "${dest}/package/package.json")
    file(REMOVE_RECURSE "${dest}")
    file(ARCHIVE_EXTRACT INPUT "${tgz}" DESTINATION "${dest}")
  endif()
  set(${out_dir} "${dest}/package" PARENT_SCOPE)
endfunction()

ferry_fetch_npm("@google-cloud/bigquery-storage" "5.1.2"
  "1f3e11fb268122d30640456df5e1395d6f1f985d068427d11ad430daea19ec069c0629e2081df57f984cf0610e1f4895899b974a28525cd166dff7ac12f6e220"
  BQ_STORAGE_PKG)
ferry_fetch_npm("google-gax" "6.17.0"
  "aa2b4e774b769aa44568fd8a19154bfbfade7ca69f095c1b5d05687480905fddf1fd66caca8a4ccf4af999d06c123c1cb50db6213672ad079a6d175da457875d"
  GAX_PKG)

set(FERRY_PROTO_ROOTS "${BQ_STORAGE_PKG}/build/protos" "${GAX_PKG}/build/protos")
