"""Users, groups, roles, permission sets, model sets and user attributes.

User 1 is the account the API client logs in as, an administrator whose API
credentials carry the configured client id.  The client id is not a secret.
The API returns no secrets, and the generator never receives the client secret.
"""

from __future__ import annotations

import random

from lookervault.simulator.generate import words
from lookervault.simulator.generate.instance import GeneratedInstance, Index

CAN_ALL = {"show": True, "index": True, "update": True, "destroy": True}
USER_CAN = {
    "show": True,
    "index": True,
    "show_details": True,
    "index_details": True,
    "sudo": True,
    "update": True,
    "destroy": True,
}
LOOKER_VERSIONS = ("24.18.44", "24.20.11", "25.0.16", "25.14.12")

# Permission names as Looker defines them; a custom set takes a subset.
PERMISSIONS = (
    "access_data",
    "see_lookml_dashboards",
    "see_looks",
    "see_user_dashboards",
    "explore",
    "create_table_calculations",
    "create_custom_fields",
    "save_content",
    "create_public_looks",
    "download_with_limit",
    "download_without_limit",
    "schedule_look_emails",
    "schedule_external_look_emails",
    "create_alerts",
    "follow_alerts",
    "send_to_s3",
    "send_to_sftp",
    "send_outgoing_webhook",
    "send_to_integration",
    "see_sql",
    "see_lookml",
    "develop",
    "deploy",
    "support_access_toggle",
    "use_sql_runner",
    "clear_cache_refresh",
    "see_drill_overlay",
    "manage_spaces",
    "manage_homepage",
    "manage_models",
    "create_prefetches",
    "login_special_email",
    "embed_browse_spaces",
    "embed_save_shared_space",
    "see_datagroups",
    "see_pdts",
    "see_queries",
    "see_schedules",
    "see_system_activity",
    "see_users",
    "sudo",
    "administer",
)
BUILT_IN_PERMISSION_SETS = ("Admin", "Developer", "User", "Viewer")
BUILT_IN_ROLES = ("Admin", "Developer", "User", "Viewer")

SYSTEM_ATTRIBUTES = (
    ("email", "Email", "string"),
    ("first_name", "First Name", "string"),
    ("id", "ID", "number"),
    ("landing_page", "Landing Page", "relative_url"),
    ("last_name", "Last Name", "string"),
    ("locale", "Locale", "string"),
    ("name", "Name", "string"),
    ("number_format", "Number Format", "string"),
)
CUSTOM_ATTRIBUTES = (
    ("region", "Region", "string"),
    ("department", "Department", "string"),
    ("cost_center", "Cost Center", "number"),
    ("brand", "Brand", "advanced_filter_string"),
    ("country_code", "Country Code", "string"),
    ("allowed_customers", "Allowed Customers", "advanced_filter_string"),
    ("sales_territory", "Sales Territory", "string"),
    ("warehouse_dataset", "Warehouse Dataset", "string"),
    ("data_access_level", "Data Access Level", "number"),
)
ATTRIBUTE_VALUES = (
    "EMEA",
    "NA",
    "LATAM",
    "APAC",
    "Finance",
    "Ventas",
    "42",
    "%",
    "acme,globex",
    "東京",
)


def _named(names: tuple[str, ...], position: int, prefix: str) -> str:
    if position < len(names):
        return names[position]
    return f"{prefix} {position - len(names) + 1}"


PERMISSION_SET_FIELDS = ("id", "name")


def index_permission_sets(instance, rng: random.Random, count: int) -> Index:
    index = Index(PERMISSION_SET_FIELDS)
    for position in range(count):
        index.keys.append(str(position + 1))
        name = _named(BUILT_IN_PERMISSION_SETS, position, "Custom Permissions")
        index.rows.append((str(position + 1), name))
    return index


def permission_set_body(instance: GeneratedInstance, position: int) -> dict:
    set_id, name = instance.indexes["permission_sets"].rows[position]
    rng = instance.rng_for("permission_sets", set_id)
    if position == 0:
        permissions = list(PERMISSIONS)
    else:
        permissions = sorted(rng.sample(PERMISSIONS, rng.randrange(3, 25)))
    return {
        "can": CAN_ALL,
        "all_access": position == 0,
        "built_in": position < len(BUILT_IN_PERMISSION_SETS),
        "id": set_id,
        "name": name,
        "permissions": permissions,
        "url": f"{words.INSTANCE_URL}/api/4.0/permission_sets/{set_id}",
    }


MODEL_SET_FIELDS = ("id", "name")


def index_model_sets(instance, rng: random.Random, count: int) -> Index:
    index = Index(MODEL_SET_FIELDS)
    for position in range(count):
        index.keys.append(str(position + 1))
        index.rows.append((str(position + 1), _named(("All",), position, "Models")))
    return index


def model_set_body(instance: GeneratedInstance, position: int) -> dict:
    set_id, name = instance.indexes["model_sets"].rows[position]
    rng = instance.rng_for("model_sets", set_id)
    models = list(instance.indexes["lookml_models"].keys)
    if position > 0 and models:
        models = sorted(rng.sample(models, rng.randrange(1, len(models) + 1)))
    return {
        "can": CAN_ALL,
        "all_access": position == 0,
        "built_in": position == 0,
        "id": set_id,
        "models": models,
        "name": name,
        "url": f"{words.INSTANCE_URL}/api/4.0/model_sets/{set_id}",
    }


ROLE_FIELDS = ("id", "name")


def index_roles(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    index = Index(ROLE_FIELDS)
    permission_sets, model_sets = [], []
    for position in range(count):
        index.keys.append(str(position + 1))
        index.rows.append((str(position + 1), _named(BUILT_IN_ROLES, position, "Role")))
        if position == 0:
            permission_sets.append(0 if instance.count("permission_sets") else None)
            model_sets.append(0 if instance.count("model_sets") else None)
        else:
            permission_sets.append(instance.pick(rng, "permission_sets"))
            model_sets.append(instance.pick(rng, "model_sets"))
    index.extra["permission_set"] = permission_sets
    index.extra["model_set"] = model_sets
    return index


def role_body(instance: GeneratedInstance, position: int) -> dict:
    index = instance.indexes["roles"]
    role_id, name = index.rows[position]
    permission_set = index.extra["permission_set"][position]
    model_set = index.extra["model_set"][position]
    # Looker nests both sets in full; their *_id fields are write-only.
    return {
        "can": CAN_ALL,
        "id": role_id,
        "name": name,
        "permission_set": (
            None
            if permission_set is None
            else permission_set_body(instance, permission_set)
        ),
        "model_set": (
            None if model_set is None else model_set_body(instance, model_set)
        ),
        "url": f"{words.INSTANCE_URL}/api/4.0/roles/{role_id}",
        "users_url": f"{words.INSTANCE_URL}/api/4.0/roles/{role_id}/users",
    }


GROUP_FIELDS = ("id", "name")
GROUP_NAMES = (
    "All Users",
    "Analysts",
    "Marketing",
    "Finance",
    "Ventas España",
    "Engineering",
    "Executives",
    "Contractors",
    "データチーム",
)


def index_groups(instance, rng: random.Random, count: int) -> Index:
    index = Index(GROUP_FIELDS)
    for position in range(count):
        index.keys.append(str(position + 1))
        index.rows.append((str(position + 1), _named(GROUP_NAMES, position, "Team")))
    return index


def group_body(instance: GeneratedInstance, position: int) -> dict:
    group_id, name = instance.indexes["groups"].rows[position]
    members = instance.indexes["users"].extra.get("group_members", [])
    return {
        "can": {
            "show": True,
            "create": True,
            "index": True,
            "update": True,
            "delete": True,
            "edit_in_ui": True,
            "add_to_content_metadata": True,
        },
        "can_add_to_content_metadata": True,
        "contains_current_user": position == 0,
        "external_group_id": None,
        "externally_managed": False,
        "id": group_id,
        "include_by_default": position == 0,
        "name": name,
        "user_count": members[position] if position < len(members) else 0,
    }


USER_FIELDS = ("display_name", "email", "first_name", "id", "is_disabled", "last_name")


def index_users(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    """Index users with their groups and roles, counting each group's members."""
    index = Index(USER_FIELDS)
    group_ids, role_ids = [], []
    members = [0] * instance.count("groups")
    for position in range(count):
        if position == 0:
            first, last = "Looker", "API"
        else:
            first, last = words.person(rng)
        user_id = str(position + 1)
        index.keys.append(user_id)
        index.rows.append(
            (
                f"{first} {last}",
                words.email(first, last, position + 1),
                first,
                user_id,
                position > 0 and rng.random() < 0.08,
                last,
            )
        )
        groups = _pick_many(rng, len(members), 0, 3)
        for group in groups:
            members[group] += 1
        group_ids.append(groups)
        roles = [0] if position == 0 else _pick_many(rng, instance.count("roles"), 1, 2)
        role_ids.append(roles if instance.count("roles") else [])
    index.extra["group_ids"] = group_ids
    index.extra["role_ids"] = role_ids
    index.extra["group_members"] = members
    return index


def _pick_many(rng: random.Random, total: int, low: int, high: int) -> list[int]:
    if total == 0:
        return []
    return sorted(rng.sample(range(total), min(total, rng.randint(low, high))))


def user_body(instance: GeneratedInstance, position: int) -> dict:
    index = instance.indexes["users"]
    display_name, email, first, user_id, disabled, last = index.rows[position]
    rng = instance.rng_for("users", user_id)
    folders = instance.indexes.get("folders")
    personal = None
    if folders is not None:
        personal = folders.extra["personal_folder_of_user"].get(position)
    personal_id = None if personal is None else str(personal + 1)
    api3 = []
    if position == 0:
        api3 = [_api3_credentials(rng, user_id, instance.client_id)]
    elif rng.random() < 0.1:
        api3 = [_api3_credentials(rng, user_id, words.slug(rng, 20))]
    return _user(
        rng,
        user_id=user_id,
        names=(first, last, display_name, email),
        disabled=disabled,
        api3=api3,
        group_ids=[str(group + 1) for group in index.extra["group_ids"][position]],
        role_ids=[str(role + 1) for role in index.extra["role_ids"][position]],
        folder_ids=(personal_id, personal_id),
    )


def service_user_body(client_id: str) -> dict:
    """Build the API user of an instance that has no generated users."""
    rng = random.Random("service-user")
    return _user(
        rng,
        user_id="1",
        names=("Looker", "API", "Looker API", "looker.api1@example.com"),
        disabled=False,
        api3=[_api3_credentials(rng, "1", client_id)],
        group_ids=[],
        role_ids=[],
        folder_ids=(None, None),
    )


def _api3_credentials(rng: random.Random, user_id: str, client_id: str) -> dict:
    created = words.stamp(words.random_epoch(rng))
    credentials_id = str(rng.randrange(1, 100_000))
    return {
        "can": {},
        "id": credentials_id,
        "client_id": client_id,
        "created_at": created,
        "is_disabled": False,
        "type": "api3",
        "purpose": None,
        "url": (
            f"{words.INSTANCE_URL}/api/4.0/users/{user_id}"
            f"/credentials_api3/{credentials_id}"
        ),
    }


def _credentials_email(rng: random.Random, user_id: str, email: str) -> dict:
    created = words.random_epoch(rng)
    base = f"{words.INSTANCE_URL}/api/4.0/users/{user_id}"
    return {
        "can": {},
        "created_at": words.stamp(created),
        "user_id": user_id,
        "email": email,
        "forced_password_reset_at_next_login": False,
        "is_disabled": False,
        "logged_in_at": words.stamp(words.later_epoch(rng, created)),
        "password_reset_url": None,
        "account_setup_url": None,
        "password_reset_url_expired": True,
        "account_setup_url_expired": True,
        "type": "email",
        "url": f"{base}/credentials_email",
        "user_url": base,
    }


def _user(rng, *, user_id, names, disabled, api3, group_ids, role_ids, folder_ids):
    first, last, display_name, email = names
    home_folder_id, personal_folder_id = folder_ids
    avatar = f"https://gravatar.lookercdn.com/avatar/{rng.getrandbits(128):032x}"
    return {
        "can": USER_CAN,
        "avatar_url": f"{avatar}?s=156&d=blank",
        "avatar_url_without_sizing": f"{avatar}?d=blank",
        "credentials_api3": api3,
        "credentials_email": _credentials_email(rng, user_id, email),
        "credentials_embed": [],
        "credentials_google": None,
        "credentials_ldap": None,
        "credentials_looker_openid": None,
        "credentials_oidc": None,
        "credentials_saml": None,
        "credentials_totp": None,
        "display_name": display_name,
        "email": email,
        "embed_group_space_id": None,
        "first_name": first,
        "group_ids": group_ids,
        "home_folder_id": home_folder_id,
        "id": user_id,
        "is_disabled": disabled,
        "last_name": last,
        "locale": rng.choice(words.LOCALES),
        "looker_versions": sorted(rng.sample(LOOKER_VERSIONS, rng.randrange(1, 4))),
        "models_dir_validated": None,
        "personal_folder_id": personal_folder_id,
        "presumed_looker_employee": False,
        "role_ids": role_ids,
        "sessions": [],
        "ui_state": rng.choice((None, {"homepageGettingStartedLastDismissed": 0})),
        "verified_looker_employee": False,
        "roles_externally_managed": False,
        "allow_direct_roles": True,
        "allow_normal_group_membership": True,
        "allow_roles_from_normal_groups": True,
        "embed_group_folder_id": None,
        "is_iam_admin": False,
        "can_manage_api3_creds": True,
        "is_service_account": False,
        "service_account_name": None,
        "url": f"{words.INSTANCE_URL}/api/4.0/users/{user_id}",
    }


USER_ATTRIBUTE_FIELDS = ("id", "name", "label")


def index_user_attributes(instance, rng: random.Random, count: int) -> Index:
    index = Index(USER_ATTRIBUTE_FIELDS)
    for position in range(count):
        name, label, _ = _attribute(position)
        index.keys.append(str(position + 1))
        index.rows.append((str(position + 1), name, label))
    return index


def _attribute(position: int) -> tuple[str, str, str]:
    if position < len(SYSTEM_ATTRIBUTES):
        return SYSTEM_ATTRIBUTES[position]
    custom = position - len(SYSTEM_ATTRIBUTES)
    name, label, kind = CUSTOM_ATTRIBUTES[custom % len(CUSTOM_ATTRIBUTES)]
    round_number = custom // len(CUSTOM_ATTRIBUTES)
    if round_number:
        return f"{name}_{round_number + 1}", f"{label} {round_number + 1}", kind
    return name, label, kind


def user_attribute_body(instance: GeneratedInstance, position: int) -> dict:
    attribute_id, name, label = instance.indexes["user_attributes"].rows[position]
    kind = _attribute(position)[2]
    system = position < len(SYSTEM_ATTRIBUTES)
    hidden = not system and name.startswith("warehouse")
    return {
        "can": CAN_ALL,
        "id": attribute_id,
        "name": name,
        "label": label,
        "type": kind,
        "default_value": None if system else "",
        "is_system": system,
        "is_permanent": system,
        "value_is_hidden": hidden,
        "user_can_view": True,
        "user_can_edit": not system and not hidden,
        "hidden_value_domain_whitelist": "https://*.example.com/*" if hidden else None,
    }


def index_group_values(instance: GeneratedInstance, rng: random.Random, count: int):
    """Mirror the user attributes: each one has a group values array."""
    attributes = instance.indexes["user_attributes"]
    return Index((), keys=list(attributes.keys), rows=[()] * len(attributes))


def group_values_body(instance: GeneratedInstance, position: int) -> list:
    attribute_id = instance.indexes["user_attributes"].keys[position]
    rng = instance.rng_for("user_attribute_group_values", attribute_id)
    if position < len(SYSTEM_ATTRIBUTES):
        return []
    groups = _pick_many(rng, instance.count("groups"), 0, 4)
    return [
        {
            "can": CAN_ALL,
            "id": str(position * 8 + rank),
            "group_id": str(group + 1),
            "user_attribute_id": attribute_id,
            "value_is_hidden": False,
            "rank": rank,
            "value": rng.choice(ATTRIBUTE_VALUES),
        }
        for rank, group in enumerate(groups, start=1)
    ]
