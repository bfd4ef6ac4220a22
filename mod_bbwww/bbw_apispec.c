/* /application.spec: the API's own description of every path and entity
 * type. The type strings below are a small notation of ours:
 *   name:T      T is a scalar type name (integer, string, …)
 *   T?          the value may be null ("T or None")
 *   [T]         a list of T
 *   @E          a nested entity described in this table */
#include "bbw_rest.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *type;
    const char *fields;
} entity_desc;

static const entity_desc entities[] = {
    { "rootlink", "name:string" },
    { "spec", "path:string type:string plural:string type_spec:jsonobject" },
    { "builder", "builderid:integer name:identifier masterids:[integer] description:string? "
                 "tags:[string]" },
    { "forcescheduler", "name:identifier button_name:string label:string "
                        "builder_names:[identifier] enabled:boolean all_fields:[jsonobject]" },
    { "build", "buildid:integer number:integer builderid:integer buildrequestid:integer "
               "workerid:integer masterid:integer started_at:datetime complete:boolean "
               "complete_at:datetime? results:integer? state_string:string "
               "properties:sourcedproperties?" },
    { "build_data", "buildid:integer name:string length:integer value:binary? source:string" },
    { "step", "stepid:integer number:integer name:identifier buildid:integer "
              "started_at:datetime? complete:boolean complete_at:datetime? results:integer? "
              "state_string:string urls:[@Url] hidden:boolean" },
    { "log", "logid:integer name:string slug:identifier stepid:integer complete:boolean "
             "num_lines:integer type:identifier" },
    { "test_result_set", "test_result_setid:integer builderid:integer buildid:integer "
                         "stepid:integer description:string? category:string value_unit:string "
                         "tests_passed:integer? tests_failed:integer? complete:boolean" },
    { "buildrequest", "buildrequestid:integer buildsetid:integer builderid:integer "
                      "priority:integer claimed:boolean claimed_at:datetime? "
                      "claimed_by_masterid:integer? complete:boolean results:integer? "
                      "submitted_at:datetime complete_at:datetime? waited_for:boolean "
                      "properties:sourcedproperties?" },
    { "change", "changeid:integer parent_changeids:[integer] author:string committer:string "
                "files:[string] comments:string revision:string? when_timestamp:integer "
                "branch:string? category:string? revlink:string? properties:sourcedproperties "
                "repository:string project:string codebase:string sourcestamp:@sourcestamp" },
    { "logchunk", "logid:integer firstline:integer content:string" },
    { "master", "masterid:integer name:string active:boolean last_active:datetime" },
    { "worker", "workerid:integer name:string connected_to:[@master_id] "
                "configured_on:[@master_builder] workerinfo:jsonobject paused:boolean "
                "graceful:boolean" },
    { "_property", "name:string source:string value:jsonobject" },
    { "buildset", "bsid:integer external_idstring:string? reason:string submitted_at:integer "
                  "complete:boolean complete_at:integer? results:integer? "
                  "sourcestamps:[@sourcestamp] parent_buildid:integer? "
                  "parent_relationship:string?" },
    { "changesource", "changesourceid:integer name:string master:@master?" },
    { "scheduler", "schedulerid:integer name:string enabled:boolean master:@master?" },
    { "sourcestamp", "ssid:integer revision:string? branch:string? repository:string "
                     "project:string codebase:string patch:@patch? created_at:datetime" },
    { "test_result", "test_resultid:integer builderid:integer test_result_setid:integer "
                     "test_name:string? test_code_path:string? line:integer? "
                     "duration_ns:integer? value:string" },
    { "Url", "name:string url:string" },
    { "patch", "patchid:integer body:binary level:integer subdir:string author:string "
               "comment:string" },
    { "master_id", "masterid:integer" },
    { "master_builder", "masterid:integer builderid:integer" },
};

static const entity_desc *find_entity(const char *type)
{
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++)
        if (strcmp(entities[i].type, type) == 0)
            return &entities[i];
    return NULL;
}

static json_t *entity_spec(apr_pool_t *p, const entity_desc *e);

/* Builds the type_spec of one type token; *type_name gets the field's
 * "type" string. */
static json_t *token_spec(apr_pool_t *p, const char *tok, const char **type_name)
{
    size_t n = strlen(tok);
    int nullable = n && tok[n - 1] == '?';
    char *t = apr_pstrmemdup(p, tok, n - (size_t)nullable);
    json_t *spec;
    if (t[0] == '[') {
        t[strlen(t) - 1] = '\0';
        const char *inner;
        spec = json_pack("{s:s,s:o}", "type", "list", "of", token_spec(p, t + 1, &inner));
        *type_name = "list";
    }
    else if (t[0] == '@') {
        const entity_desc *e = find_entity(t + 1);
        spec = e ? entity_spec(p, e) : json_object();
        *type_name = t + 1;
    }
    else {
        spec = json_pack("{s:s}", "name", t);
        *type_name = t;
    }
    if (nullable) {
        json_object_set_new(spec, "can_be_null", json_true());
        *type_name = apr_pstrcat(p, *type_name, " or None", NULL);
    }
    return spec;
}

static json_t *entity_spec(apr_pool_t *p, const entity_desc *e)
{
    json_t *fields = json_array();
    char *list = apr_pstrdup(p, e->fields), *state;
    for (char *f = apr_strtok(list, " ", &state); f; f = apr_strtok(NULL, " ", &state)) {
        char *colon = strchr(f, ':');
        *colon = '\0';
        const char *type_name;
        json_t *spec = token_spec(p, colon + 1, &type_name);
        json_array_append_new(fields, json_pack("{s:s,s:s,s:o}", "name", f,
                                                "type", type_name, "type_spec", spec));
    }
    return json_pack("{s:s,s:o}", "type", e->type, "fields", fields);
}

typedef struct {
    const char *path;
    bbw_ep ep;
} spec_entry;

static int spec_cmp(const void *a, const void *b)
{
    return strcmp(((const spec_entry *)a)->path, ((const spec_entry *)b)->path);
}

json_t *bbw_ep_spec(bbw_call *c)
{
    int n = bbw_route_count();
    spec_entry *entries = apr_palloc(c->p, sizeof *entries * n);
    for (int i = 0; i < n; i++)
        entries[i].path = bbw_route_pattern(i, &entries[i].ep) + 1;
    qsort(entries, n, sizeof *entries, spec_cmp);
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        const bbw_etype *t = bbw_ep_etype(entries[i].ep);
        const entity_desc *e = find_entity(t->name);
        json_t *spec = e ? entity_spec(c->p, e) : json_pack("{s:s}", "name", t->name);
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:o}",
            "path", entries[i].path, "plural", t->plural, "type", t->name,
            "type_spec", spec));
    }
    return items;
}
