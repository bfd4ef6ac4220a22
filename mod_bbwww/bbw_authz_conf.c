/* The authz directives: thin httpd glue over bbw_authz.c's parsers. Each
 * appends to its section's authz object, created on first use; a section
 * with any authz directive replaces its parent's object as a whole
 * (bbw_merge_dir_conf). */
#include "bbw.h"
#include "bbw_authz.h"

static bbw_authz *section_authz(cmd_parms *cmd, void *cfg)
{
    bbw_dir_conf *c = cfg;
    if (!c->authz)
        c->authz = bbw_authz_make(cmd->pool);
    return c->authz;
}

static const char *add_role_matcher(cmd_parms *cmd, void *cfg, bbw_authz_role_kind kind,
                                    int argc, char *const argv[])
{
    return bbw_authz_add_role_matcher(section_authz(cmd, cfg), cmd->pool,
                                      cmd->directive->directive, kind, argc, argv);
}

const char *bbw_authz_cmd_allow(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    return bbw_authz_add_rule(section_authz(cmd, cfg), cmd->pool, cmd->directive->directive,
                              argc, argv);
}

const char *bbw_authz_cmd_groups(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    return add_role_matcher(cmd, cfg, BBW_ROLES_FROM_GROUPS, argc, argv);
}

const char *bbw_authz_cmd_emails(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    return add_role_matcher(cmd, cfg, BBW_ROLES_FROM_EMAILS, argc, argv);
}

const char *bbw_authz_cmd_domain(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    return add_role_matcher(cmd, cfg, BBW_ROLES_FROM_DOMAIN, argc, argv);
}

const char *bbw_authz_cmd_owner(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    return add_role_matcher(cmd, cfg, BBW_ROLES_FROM_OWNER, argc, argv);
}

const char *bbw_authz_cmd_username(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    return add_role_matcher(cmd, cfg, BBW_ROLES_FROM_USERNAME, argc, argv);
}

const char *bbw_authz_cmd_strings(cmd_parms *cmd, void *cfg, const char *arg)
{
    return bbw_authz_set_strings(section_authz(cmd, cfg), cmd->pool,
                                 cmd->directive->directive, arg);
}

const char *bbw_authz_cmd_view(cmd_parms *cmd, void *cfg, int argc, char *const argv[])
{
    return bbw_authz_add_view(section_authz(cmd, cfg), cmd->pool, cmd->directive->directive,
                              argc, argv);
}
