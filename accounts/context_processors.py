def workspace(request):
    membership = getattr(request, "membership", None)
    return {
        "workspace": getattr(request, "workspace", None),
        "membership": membership,
        "can_export": bool(membership and membership.can_export),
        "is_admin": bool(membership and membership.is_admin),
        "is_owner": bool(membership and membership.role == membership.Role.OWNER),
    }
