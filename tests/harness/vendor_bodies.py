"""Real webhook bodies of RMM vendors, as published, for the intake-format tests.

Each body is reproduced as its source shows it (identifiers and values
unchanged) so the converters meet what the vendors actually send. Sources:

NinjaOne
  NINJAONE_CAPTURED: a body captured from a NinjaOne "Webhook" notification channel
    (webhook.site), published in a public project's design notes; found through the
    public code index (index file id 23381902863). Its org/device names are the
    project's own.
  NINJAONE_SPIKE: the payload documented by Spike.sh's NinjaOne integration,
    spikehq/docs.spike.sh integrations-guideline/integrate-spike-with-ninjaone.md
    (commit 0caac335ea89af8526052e1cae5076c549a1f147), "Event payload structure".
  NINJAONE_PIPEDREAM: Pipedream's NinjaOne component test event, PipedreamHQ/pipedream
    components/ninjaone/sources/new-device-online/test-event.mjs
    (https://app.unpkg.com/@pipedream/ninjaone@0.1.0/files/sources/new-device-online/test-event.mjs).

Datto RMM (no fixed body: the MSP writes the payload with Datto's [variables];
Datto RMM help "Webhooks": https://rmm.datto.com/help/en/Content/3NEWUI/Monitors/Webhooks.htm)
  DATTO_HALOPSA: the sample alert of lwhitelock/DattoRMM-Alert-HaloPSA,
    Receive-Alert/samplealert.json (commit b4133e504f6ea943b02e1715e8b99c3c93890420):
    the payload that integration has MSPs paste into Datto, as Datto delivered it.
  DATTO_VARIABLES: the variables Datto fills in, as used by srvprivate/webhooks-proxy
    api/index.js ([alert_uid], [alert_type], [alert_priority], [site_name],
    [device_hostname], [timestamp]...) in the payload README.md recommends.

N-able N-central ("Third Party Integration - HTTP" notification method; iLert/docs
  integrations/n-central-integration.md describes the setup)
  NCENTRAL_SAMPLE: the default sample <notification> of a public N-central
    notification-filter tool (public code index file id 11178922668), captured from
    an N-central server (sedemo.focusmsp.net); its QuantitativeNewState is cut to 5 of its 20 lines.
"""

from __future__ import annotations

NINJAONE_CAPTURED = {
    "id": 177210,
    "activityTime": 1742391675.556,
    "deviceId": 7,
    "seriesUid": "e6b0b0bd-5753-445d-9e4a-71c08983cbd5",
    "activityType": "CONDITION",
    "statusCode": "TRIGGERED",
    "status": "Triggered",
    "sourceConfigUid": "205b85b2-8a12-4123-834f-164be08b3314",
    "sourceName": "_average_",
    "subject": "",
    "message": "Memory Utilization is greater than or equal to 80% for 5 minutes",
    "type": "Condition",
    "data": {"message": {"code": "vmm_cond_memory_usage_ge", "params": {
        "duration": 5, "end_date": 1742391675556, "start_date": 1742391365182, "target": "_average_",
        "threshold": 80, "unit": "%", "value": 84.80957683284261}}},
    "device": {
        "id": 7, "parentDeviceId": 6, "organizationId": 2, "locationId": 2, "nodeClass": "VMWARE_VM_HOST",
        "nodeRoleId": 9, "rolePolicyId": 43, "approvalStatus": "APPROVED", "offline": False,
        "displayName": "192.168.50.43", "systemName": "ccesxi03.cc.local", "dnsName": "192.168.50.43",
        "created": 1707363433.892432, "lastContact": 1741793638.531, "lastUpdate": 1741793638.531,
        "references": {"organization": {"name": "Country Consulting", "nodeApprovalMode": "AUTOMATIC", "id": 2},
                       "location": {"name": "Main Office", "id": 2}},
    },
}

NINJAONE_SPIKE = {
    "id": 12345,
    "activityTime": 1703123456.789,
    "deviceId": 67890,
    "severity": "MAJOR",
    "priority": "HIGH",
    "seriesUid": "uuid-string",
    "activityType": "CONDITION",
    "statusCode": "TRIGGERED",
    "activityResult": "SUCCESS",
    "sourceConfigUid": "uuid-string",
    "sourceName": "CPU Usage Alert",
    "subject": "High CPU Usage Detected",
    "userId": 11111,
    "message": "CPU utilization exceeded 90% for device WORKSTATION-001",
    "type": "Alert",
    "data": {"customField": "additional data"},
    "device": {
        "id": 67890, "parentDeviceId": None, "organizationId": 22222, "locationId": 33333,
        "nodeClass": "WINDOWS_WORKSTATION", "nodeRoleId": 44444, "rolePolicyId": 55555, "policyId": 66666,
        "approvalStatus": "APPROVED", "offline": False, "displayName": "WORKSTATION-001",
        "systemName": "WORKSTATION-001.domain.com", "dnsName": "workstation-001.domain.com",
        "netbiosName": "WORKSTATION-001", "created": 1700000000, "lastContact": 1703123456,
        "lastUpdate": 1703123456,
    },
}

NINJAONE_PIPEDREAM = {
    "id": 26,
    "activityTime": 1747946704,
    "deviceId": 1,
    "activityType": "MONITOR",
    "statusCode": "SYSTEM_REBOOTED",
    "status": "Rebooted",
    "message": "System rebooted at '2025-05-22T20:43:26Z'",
    "type": "Monitor",
    "data": {"message": {"code": "agent_act_sys_reboot", "params": {"reboot_date": "2025-05-22T20:43:26Z"}}},
}

DATTO_HALOPSA = {
    "troubleshootingNote": "Please check the system uptime, if excessive, advise the user to reboot the device.",
    "docURL": "https://www.troubleshootingcentral.com/high-memory-usage-on-windows-10-causes-and-fixes/",
    "showDeviceDetails": True,
    "showDeviceStatus": True,
    "showAlertDetails": True,
    "alertUID": "fa9b26c0-3761-4927-9412-e9f4a5db38d1",
    "alertMessage": "Process 'AdobeARMservice' isStopped",
    "platform": "Pinotage",
}

# The payload README.md recommends pasting into Datto RMM (its [variables] are Datto's).
DATTO_TEMPLATE = {
    "alertUID": "[alert_uid]", "alertMessage": "[alert_message_en]", "priority": "[alert_priority]",
    "alertType": "[alert_type]", "device": "[device_hostname]", "site": "[site_name]",
    "timestamp": "[timestamp]", "platform": "[platform]",
}

NCENTRAL_SAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?><notification>
  <ActiveNotificationTriggerID>1557534924</ActiveNotificationTriggerID>
  <CustomerName>Jasons Deli &gt; Morrisville</CustomerName>
  <DeviceName>SLS-2189 - JD's Probe</DeviceName>
  <DeviceURI>10.120.210.7</DeviceURI>
  <ExternalCustomerID/>
  <AffectedService>CPU</AffectedService>
  <TaskIdent/>
  <NcentralURI>sedemo.focusmsp.net</NcentralURI>
  <QualitativeOldState>Normal</QualitativeOldState>
  <QualitativeNewState>Failed</QualitativeNewState>
  <TimeOfStateChange>2025-05-29 22:05:10</TimeOfStateChange>
  <ProbeURI>10.120.210.7</ProbeURI>
  <QuantitativeNewState>CPU Usage: 14.00 %
Top Process 1: EPSecurityService
Top Process 2: AutomationManager.AgentService
PID of Process 1: 3260
CPU Usage for Process 1: 2.00 %</QuantitativeNewState>
  <ServiceOrganizationName>Jasons Deli</ServiceOrganizationName>
</notification>"""


def datto_filled(**values: str) -> dict[str, str]:
    """DATTO_TEMPLATE as Datto sends it: each [variable] replaced by its value (unknown ones left as is)."""
    filled = {}
    for key, template in DATTO_TEMPLATE.items():
        name = template.strip("[]")
        filled[key] = values.get(name, template)
    return filled
